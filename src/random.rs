//! numpy's legacy random stream (`np.random.seed` / `np.random.RandomState`),
//! reproduced bit for bit so lessons can regenerate a notebook's inputs.
//!
//! Every array method fills its output in C (row-major) order from one
//! shared stream, so `randn(&[3])` followed by `randn(&[3])` gives the same
//! six numbers as `randn(&[6])`.
//!
//! Array methods panic only where any `ndarray` constructor would: when the
//! product of `shape` overflows `isize` (or memory runs out).

use ndarray::{Array, IntoDimension};
use std::fmt;

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// The legacy generator: MT19937 state plus the cached second normal deviate.
#[derive(Clone, Debug)]
pub struct RandomState {
    key: [u32; N],
    pos: usize,
    gauss: Option<f64>,
}

/// Error for arguments numpy rejects (`ValueError` in Python).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RandomError {
    /// `randint` needs `low < high`.
    EmptyRange {
        /// The lowest value asked for.
        low: i64,
        /// One past the highest.
        high: i64,
    },
}

impl fmt::Display for RandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyRange { low, high } => write!(f, "randint: low >= high ({low} >= {high})"),
        }
    }
}

impl std::error::Error for RandomError {}

impl RandomState {
    /// `np.random.RandomState(seed)`: MT19937 reference `init_genrand`,
    /// `key[0] = seed`, `key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30)) + i`
    /// (mod 2^32), with no cached normal deviate.
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; N];
        key[0] = seed;
        for i in 1..N {
            let prev = key[i - 1];
            key[i] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(i as u32);
        }
        Self { key, pos: N, gauss: None }
    }

    /// `np.random.seed(seed)`: restart the stream as [`RandomState::new`] does.
    pub fn seed(&mut self, seed: u32) {
        *self = Self::new(seed);
    }

    /// One raw MT19937 output: refill all 624 words when exhausted, then
    /// temper `y ^= y >> 11; y ^= (y << 7) & 0x9d2c5680;
    /// y ^= (y << 15) & 0xefc60000; y ^= y >> 18`.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == N {
            self.refill();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// The MT19937 twist: `key[i] = key[i+397] ^ (y >> 1) ^ (y odd ? 0x9908b0df : 0)`
    /// with `y` = top bit of `key[i]` joined to the low 31 bits of `key[i+1]`
    /// (indices mod 624).
    fn refill(&mut self) {
        for i in 0..N {
            let y = (self.key[i] & UPPER_MASK) | (self.key[(i + 1) % N] & LOWER_MASK);
            let odd = if y & 1 == 1 { MATRIX_A } else { 0 };
            self.key[i] = self.key[(i + M) % N] ^ (y >> 1) ^ odd;
        }
        self.pos = 0;
    }

    /// Two outputs `a`, `b` joined high then low: `(a << 32) | b`.
    fn next_u64(&mut self) -> u64 {
        let high = u64::from(self.next_u32());
        (high << 32) | u64::from(self.next_u32())
    }

    /// `np.random.random_sample()`: a 53-bit double in [0, 1) from two outputs,
    /// `((a >> 5) * 2^26 + (b >> 6)) / 2^53`.
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// One `np.random.randn()` value by the legacy polar (Marsaglia) method:
    /// draw `x1 = 2u1 - 1`, `x2 = 2u2 - 1` until `0 < r2 = x1² + x2² < 1`,
    /// set `f = sqrt(-2 ln(r2) / r2)`, return `f·x2` and cache `f·x1` for the
    /// next call.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(cached) = self.gauss.take() {
            return cached;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// `np.random.randn(*shape)`: [`standard_normal`](Self::standard_normal)
    /// values in C order. The shape is a tuple (`(4, 3, 3, 2)` gives an
    /// `Array4`) or a slice (`&[4, 3][..]` gives an `ArrayD`); `()` gives a
    /// 0-d array holding one value.
    ///
    /// ```
    /// use cnn_walkthrough::random::RandomState;
    ///
    /// let mut rng = RandomState::new(1); // np.random.seed(1)
    /// let x = rng.randn((2, 3)); // np.random.randn(2, 3)
    /// assert_eq!(x.shape(), &[2, 3]);
    /// assert_eq!(x[[0, 0]], 1.6243453636632417);
    /// assert_eq!(x[[1, 2]], -2.3015386968802827);
    /// ```
    pub fn randn<Sh: IntoDimension>(&mut self, shape: Sh) -> Array<f64, Sh::Dim> {
        Array::from_shape_simple_fn(shape.into_dimension(), || self.standard_normal())
    }

    /// `np.random.uniform(low, high, shape)`: `low + (high - low) * random_sample()`
    /// in C order. `low > high` is allowed. numpy raises `OverflowError` when
    /// `high - low` is not finite; here such a range yields inf/NaN values.
    pub fn uniform<Sh: IntoDimension>(&mut self, low: f64, high: f64, shape: Sh) -> Array<f64, Sh::Dim> {
        let range = high - low;
        Array::from_shape_simple_fn(shape.into_dimension(), || low + range * self.random_sample())
    }

    /// numpy's `random_interval(max)`: a uniform integer in `[0, max]` by
    /// rejection, drawing `next & mask` (mask = smallest `2^k - 1 >= max`)
    /// from 32-bit outputs if `max < 2^32`, else from 64-bit ones; `max = 0`
    /// draws nothing.
    fn bounded(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = mask_for(max);
        loop {
            let value = if max <= u64::from(u32::MAX) {
                u64::from(self.next_u32()) & mask
            } else {
                self.next_u64() & mask
            };
            if value <= max {
                return value;
            }
        }
    }

    /// `np.random.shuffle(x)` for a 1-d array, in place: Fisher-Yates from the
    /// end, for `i = n-1 down to 1` swap `items[i]` with `items[j]`,
    /// `j = random_interval(i)` (masked rejection, see `randint`).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.bounded(i as u64) as usize;
            items.swap(i, j);
        }
    }

    /// `np.random.permutation(n)`: `0..n` put through [`shuffle`](Self::shuffle).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut items: Vec<usize> = (0..n).collect();
        self.shuffle(&mut items);
        items
    }

    /// `np.random.randint(low, high, shape)` (default int64 dtype), C order:
    /// `low + v` with `v` uniform in `[0, high - low - 1]` by the same masked
    /// rejection as `shuffle`. A range of one value draws nothing.
    ///
    /// # Errors
    /// [`RandomError::EmptyRange`] if `low >= high` (numpy's `ValueError`).
    pub fn randint<Sh: IntoDimension>(
        &mut self,
        low: i64,
        high: i64,
        shape: Sh,
    ) -> Result<Array<i64, Sh::Dim>, RandomError> {
        if low >= high {
            return Err(RandomError::EmptyRange { low, high });
        }
        // `high - 1 - low` fits in u64 although it may overflow i64.
        let max = high.wrapping_sub(low).wrapping_sub(1) as u64;
        Ok(Array::from_shape_simple_fn(shape.into_dimension(), || low.wrapping_add(self.bounded(max) as i64)))
    }
}

/// Smallest `2^k - 1` that is `>= max` (for `max > 0`).
fn mask_for(max: u64) -> u64 {
    u64::MAX >> max.leading_zeros()
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast generator of
/// 64-bit words, for dropout masks, where speed matters and numpy's stream
/// does not: `state += 0x9e3779b97f4a7c15`, then two xor-shift-multiply
/// rounds of the state.
///
/// ```
/// use cnn_walkthrough::random::SplitMix64;
/// let mut a = SplitMix64::new(1);
/// let mut b = SplitMix64::new(1);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert_ne!(a.next_u64(), SplitMix64::new(2).next_u64());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// The generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64-bit word.
    pub fn next_u64(&mut self) -> u64 {
        let z = self.peek(0);
        self.skip(1);
        z
    }

    /// The word `k + 1` calls of [`next_u64`](Self::next_u64) would return
    /// last, without drawing it: each word depends only on its position, so
    /// a long stream can be filled in parts, in any order.
    ///
    /// ```
    /// use cnn_walkthrough::random::SplitMix64;
    /// let mut a = SplitMix64::new(7);
    /// let ahead = a.peek(2);
    /// a.next_u64();
    /// a.next_u64();
    /// assert_eq!(a.next_u64(), ahead);
    /// ```
    pub fn peek(&self, k: u64) -> u64 {
        let mut z = self.state.wrapping_add(k.wrapping_add(1).wrapping_mul(GAMMA));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Moves past `n` words, as `n` calls of [`next_u64`](Self::next_u64) would.
    pub fn skip(&mut self, n: u64) {
        self.state = self.state.wrapping_add(n.wrapping_mul(GAMMA));
    }
}

/// SplitMix64's step: ⌊2⁶⁴/φ⌋, odd.
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
