//! Replays `tests/data/numpy_random.txt` (numpy's legacy `RandomState`
//! output; format described in its header) and compares every value
//! exactly: floats by their f64 bit patterns, integers by value.

use cnn_walkthrough::course::random::{RandomError, RandomState};

const FIXTURE: &str = include_str!("data/numpy_random.txt");

fn f64_from_hex_bits(s: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(s, 16).expect("hex f64 bits"))
}

fn parse_shape(s: &str) -> Vec<usize> {
    if s == "-" {
        return Vec::new();
    }
    s.split(',').map(|d| d.parse().expect("shape")).collect()
}

fn parse_ints<T: std::str::FromStr>(words: &[&str]) -> Vec<T> {
    words.iter().map(|w| w.parse().ok().expect("integer")).collect()
}

fn assert_bits(line: usize, got: &[f64], want: &[&str]) {
    assert_eq!(got.len(), want.len(), "line {line}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let w = f64_from_hex_bits(w);
        assert_eq!(g.to_bits(), w.to_bits(), "line {line}[{k}]: {g:e} != {w:e}");
    }
}

#[test]
fn matches_numpy_fixture() {
    let mut rng = RandomState::new(0);
    let mut checked = 0;
    for (n, text) in FIXTURE.lines().enumerate() {
        let line = n + 1;
        let w: Vec<&str> = text.split_whitespace().collect();
        match w.first().copied() {
            None | Some("#") => continue,
            Some("seed") => rng = RandomState::new(w[1].parse().expect("seed")),
            Some("u32") => {
                let got: Vec<u32> = (0..w[1].parse().unwrap()).map(|_| rng.next_u32()).collect();
                assert_eq!(got, parse_ints::<u32>(&w[2..]), "line {line}");
            }
            Some("sample") => {
                let got: Vec<f64> = (0..w[1].parse().unwrap()).map(|_| rng.random_sample()).collect();
                assert_bits(line, &got, &w[2..]);
            }
            Some("randn") => {
                let shape = parse_shape(w[1]);
                let got = rng.randn(&shape[..]);
                assert_eq!(got.shape(), &shape[..], "line {line}");
                assert_bits(line, &got.iter().copied().collect::<Vec<_>>(), &w[2..]);
            }
            Some("uniform") => {
                let (low, high) = (f64_from_hex_bits(w[1]), f64_from_hex_bits(w[2]));
                let shape = parse_shape(w[3]);
                let got = rng.uniform(low, high, &shape[..]);
                assert_eq!(got.shape(), &shape[..], "line {line}");
                assert_bits(line, &got.iter().copied().collect::<Vec<_>>(), &w[4..]);
            }
            Some("shuffle") => {
                let mut items: Vec<usize> = (0..w[1].parse().unwrap()).collect();
                rng.shuffle(&mut items);
                assert_eq!(items, parse_ints::<usize>(&w[2..]), "line {line}");
            }
            Some("permutation") => {
                let got = rng.permutation(w[1].parse().unwrap());
                assert_eq!(got, parse_ints::<usize>(&w[2..]), "line {line}");
            }
            Some("randint") => {
                let (low, high) = (w[1].parse().unwrap(), w[2].parse().unwrap());
                let shape = parse_shape(w[3]);
                let got = rng.randint(low, high, &shape[..]).expect("valid range");
                assert_eq!(got.shape(), &shape[..], "line {line}");
                let got: Vec<i64> = got.iter().copied().collect();
                assert_eq!(got, parse_ints::<i64>(&w[4..]), "line {line}");
            }
            Some(other) => panic!("line {line}: unknown operation {other}"),
        }
        checked += 1;
    }
    assert!(checked > 300, "fixture looks truncated: {checked} lines");
}

#[test]
fn check_values_from_seed_1() {
    let mut rng = RandomState::new(1);
    let raw: Vec<u32> = (0..4).map(|_| rng.next_u32()).collect();
    assert_eq!(raw, [1791095845, 4282876139, 3093770124, 4005303368]);
    assert_eq!(RandomState::new(1).random_sample(), 0.417022004702574);
    let want = [
        1.6243453636632417,
        -0.6117564136500754,
        -0.5281717522634557,
        -1.0729686221561705,
        0.8654076293246785,
        -2.3015386968802827,
    ];
    let got = RandomState::new(1).randn(&[6][..]);
    assert_eq!(got.as_slice().unwrap(), want);
}

#[test]
fn one_stream_across_calls() {
    let mut split = RandomState::new(7);
    let mut a: Vec<f64> = split.randn(&[3][..]).iter().copied().collect();
    a.extend(split.randn(&[3][..]).iter());
    let whole = RandomState::new(7).randn(&[6][..]);
    assert_eq!(a, whole.as_slice().unwrap());
}

#[test]
fn seed_clears_cached_gaussian() {
    let mut rng = RandomState::new(3);
    rng.randn(&[1][..]); // leaves a cached value
    rng.seed(3);
    assert_eq!(rng.randn(&[2][..]), RandomState::new(3).randn(&[2][..]));
}

#[test]
fn notebook_slice() {
    // np.random.seed(1); x = np.random.randn(4, 3, 3, 2); x[1, 1], as the notebook prints it.
    let x = RandomState::new(1).randn(&[4, 3, 3, 2][..]);
    let want = cnn_walkthrough::reference::notebook::zero_pad::X_1_1;
    for (r, row) in want.iter().enumerate() {
        for (c, &w) in row.iter().enumerate() {
            let got = x[[1, 1, r, c]];
            assert_eq!((got * 1e8).round() / 1e8, w, "x[1,1,{r},{c}] = {got}");
        }
    }
}

#[test]
fn randint_rejects_empty_range() {
    let mut rng = RandomState::new(0);
    assert_eq!(rng.randint(5, 5, &[2][..]), Err(RandomError::EmptyRange { low: 5, high: 5 }));
    assert!(rng.randint(i64::MAX, i64::MIN, &[][..]).is_err());
}
