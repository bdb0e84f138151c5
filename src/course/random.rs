//! numpy's legacy random stream (`np.random.seed` / `np.random.RandomState`),
//! reproduced bit for bit so lessons can regenerate a notebook's inputs.
//!
//! The generator underneath is MT19937, the 32-bit Mersenne Twister
//! (Matsumoto and Nishimura, 1998), taken from the crate [`rand_mt`]: its
//! [`Mt::new(seed)`](rand_mt::Mt::new) is the reference `init_genrand`, the
//! same seeding as numpy's `np.random.seed(seed)`, and its
//! [`next_u32`](rand_mt::Mt::next_u32) gives the same tempered words.
//!
//! What stays here is numpy's own way of turning those words into numbers,
//! and that is why the values match the notebooks exactly; another library
//! on the same Mersenne Twister (C++'s `<random>`, Rust's `rand`) gives other
//! floats from the same words:
//!
//! - [`random_sample`](RandomState::random_sample): a 53-bit double from two
//!   words, `((a >> 5)·2^26 + (b >> 6)) / 2^53`;
//! - [`standard_normal`](RandomState::standard_normal): the legacy polar
//!   (Marsaglia) method, which makes two deviates at a time and keeps the
//!   second for the next call;
//! - [`shuffle`](RandomState::shuffle), [`permutation`](RandomState::permutation)
//!   and [`randint`](RandomState::randint): integers by masked rejection
//!   sampling.
//!
//! Every array method fills its output in C (row-major) order from one
//! shared stream, so `randn(&[3])` followed by `randn(&[3])` gives the same
//! six numbers as `randn(&[6])`.
//!
//! Array methods panic only where any `ndarray` constructor would: when the
//! product of `shape` overflows `isize` (or memory runs out).
//!
//! [`SplitMix64`], at the end of this file, is another generator, not numpy's:
//! a small, fast one for dropout masks.

use ndarray::{Array, IntoDimension};
use rand_mt::Mt;
use std::fmt;

/// The legacy generator: MT19937 state ([`rand_mt::Mt`]) plus the cached
/// second normal deviate of the polar method.
///
/// (`Debug` shows the cached deviate but not the 624 words of state.)
#[derive(Clone, Debug)]
pub struct RandomState {
    mt: Mt,
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
    /// `np.random.RandomState(seed)`: MT19937 seeded by the reference
    /// `init_genrand`, `key[0] = seed`,
    /// `key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30)) + i` (mod 2^32),
    /// exactly as numpy seeds it; no cached normal deviate.
    pub fn new(seed: u32) -> Self {
        Self { mt: Mt::new(seed), gauss: None }
    }

    /// `np.random.seed(seed)`: restart the stream as [`RandomState::new`]
    /// does, forgetting the cached normal deviate too (as numpy does).
    pub fn seed(&mut self, seed: u32) {
        *self = Self::new(seed);
    }

    /// One raw MT19937 output, a tempered word of the state (numpy's
    /// `mt19937_next32`).
    pub fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// Two outputs `a`, `b` joined high then low: `(a << 32) | b`, as numpy's
    /// `random_interval` draws 64 bits.
    fn next_u64(&mut self) -> u64 {
        let high = u64::from(self.next_u32());
        (high << 32) | u64::from(self.next_u32())
    }

    /// `np.random.random_sample()`: a double in [0, 1) from two outputs
    /// `a`, `b`, as numpy's `mt19937_next_double` (randomkit's `rk_double`
    /// before numpy 1.17) makes it:
    ///
    /// keep the top 27 bits of `a` and the top 26 of `b`, `a' = a >> 5` and
    /// `b' = b >> 6`, and join them into one 53-bit number over 2^53:
    ///
    /// `(a'·2^26 + b') / 2^53 = (a' * 67108864 + b') / 9007199254740992`,
    ///
    /// so every double is a multiple of 2^-53 (53 bits, a double's precision). This line, not
    /// the Mersenne Twister, decides the floats: other libraries build a
    /// double from the same words in other ways.
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// One `np.random.randn()` value by numpy's legacy polar (Marsaglia)
    /// method, `legacy_gauss` (randomkit's `rk_gauss`):
    ///
    /// 1. draw `x1 = 2u1 - 1`, `x2 = 2u2 - 1` from two
    ///    [`random_sample`](Self::random_sample)s until
    ///    `0 < r2 = x1² + x2² < 1` (a point inside the unit circle);
    /// 2. set `f = sqrt(-2 ln(r2) / r2)`;
    /// 3. return `f·x2`, and keep `f·x1` for the next call, which returns it
    ///    without drawing.
    ///
    /// Both the order (`x2` first) and the cache matter: the notebook's
    /// `randn` values come in these pairs. [`seed`](Self::seed) forgets the
    /// cached value, as `np.random.seed` does.
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
    /// use cnn_walkthrough::course::random::RandomState;
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

    /// numpy's `random_interval(max)`: a uniform integer in `[0, max]` by masked
    /// rejection sampling. With `mask` the smallest `2^k - 1 >= max`, draw
    /// `v = next & mask` until `v <= max` (fewer than two draws on average).
    /// `next` is one 32-bit output when `max < 2^32`, else a 64-bit
    /// `(a << 32) | b`; `max = 0` draws nothing. Rejecting, rather than taking
    /// `next % (max + 1)`, keeps every value equally likely, and it is what
    /// numpy does, so the same words give the same integers.
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
    /// `j = random_interval(i)` (the masked rejection of `bounded`, above). numpy
    /// walks from the end and draws one `j` per `i`, so the swaps, and the
    /// order they leave, are numpy's.
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
    /// `low + v` with `v = random_interval(high - low - 1)`, the same masked
    /// rejection as `shuffle` (the mask and the 32- or 64-bit draws follow
    /// from the width of the range, as in numpy). A range of one value draws
    /// nothing.
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
/// use cnn_walkthrough::course::random::SplitMix64;
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
    /// use cnn_walkthrough::course::random::SplitMix64;
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
