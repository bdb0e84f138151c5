//! Checks `numpy_fmt` against outputs recorded from numpy (see
//! `tests/data/numpy_fmt_cases.txt`).

use cnn_walkthrough::course::numpy_fmt::{array2string, format_scalar, labelled, shape_str, NumpyElement};
use ndarray::{ArrayD, IxDyn};

const CASES: &str = include_str!("data/numpy_fmt_cases.txt");

/// One recorded `np.array2string(a, prefix=prefix)` call.
struct Case<'a> {
    name: &'a str,
    dtype: &'a str,
    shape: Vec<usize>,
    prefix: &'a str,
    values: Vec<&'a str>,
    expected: String,
}

/// Parses the fixture into array cases and `(repr, str)` scalar pairs.
fn parse() -> (Vec<Case<'static>>, Vec<(&'static str, &'static str)>) {
    let mut lines = CASES.lines();
    let (mut cases, mut scalars) = (Vec::new(), Vec::new());
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("scalar ") {
            let (x, s) = rest.split_once(' ').expect("scalar pair");
            scalars.push((x, s));
            continue;
        }
        let Some(name) = line.strip_prefix("case ") else {
            continue;
        };
        let mut field = |key: &str| {
            let l = lines.next().expect("truncated case");
            let rest = l.strip_prefix(key).expect(key);
            rest.strip_prefix(' ').unwrap_or(rest)
        };
        let dtype = field("dtype");
        let shape = field("shape").split_whitespace().map(|d| d.parse().expect("shape")).collect();
        let prefix = field("prefix");
        let prefix = &prefix[1..prefix.len() - 1];
        let values = field("values").split_whitespace().collect();
        let count: usize = field("expected").parse().expect("line count");
        let expected: Vec<&str> = (0..count).map(|_| lines.next().expect("line")).collect();
        assert_eq!(lines.next(), Some("end"), "case {name}");
        let expected = expected.join("\n");
        cases.push(Case { name, dtype, shape, prefix, values, expected });
    }
    (cases, scalars)
}

/// Builds the array and formats it both ways; returns (array2string, labelled).
fn render<T: NumpyElement>(case: &Case, parse: impl Fn(&str) -> T) -> (String, Option<String>) {
    let data: Vec<T> = case.values.iter().map(|v| parse(v)).collect();
    let a = ArrayD::from_shape_vec(IxDyn(&case.shape), data).expect("shape matches values");
    let plain = array2string(&a.view(), case.prefix.chars().count());
    let label = case.prefix.strip_suffix(' ').map(|l| labelled(l, &a.view()));
    (plain, label)
}

#[test]
fn fixture_cases_match_numpy() {
    let (cases, _) = parse();
    assert!(cases.len() >= 400, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let (got, label) = match case.dtype {
            "f64" => render(case, |v| v.parse::<f64>().expect("float")),
            "bool" => render(case, |v| v == "1"),
            "i64" => render(case, |v| v.parse::<i64>().expect("i64")),
            "usize" => render(case, |v| v.parse::<usize>().expect("usize")),
            other => panic!("unknown dtype {other}"),
        };
        if got != case.expected {
            failures.push(format!("{}:\n{}\n--- numpy:\n{}", case.name, got, case.expected));
        } else if let Some(label) = label
            && label != format!("{}{}", case.prefix, case.expected)
        {
            failures.push(format!("{} (labelled):\n{label}", case.name));
        }
    }
    let shown: Vec<&String> = failures.iter().take(5).collect();
    assert!(failures.is_empty(), "{} of {} cases differ:\n{shown:#?}", failures.len(), cases.len());
}

#[test]
fn fixture_scalars_match_numpy() {
    let (_, scalars) = parse();
    assert!(scalars.len() >= 20);
    for (x, expected) in scalars {
        let x: f64 = x.parse().expect("float");
        assert_eq!(format_scalar(x), expected, "{x:e}");
    }
}

#[test]
fn format_scalar_examples() {
    // str(np.float64(x)) as printed by numpy 2.x
    let cases = [
        (-6.999089450680221, "-6.999089450680221"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (3.0, "3.0"),
        (1e-5, "1e-05"),
        (1.5e-5, "1.5e-05"),
        (1e-4, "0.0001"),
        (1e16, "1e+16"),
        (1e15, "1000000000000000.0"),
        (2.5e-300, "2.5e-300"),
        (f64::NAN, "nan"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ];
    for (x, expected) in cases {
        assert_eq!(format_scalar(x), expected);
    }
}

#[test]
fn shape_str_like_python_tuples() {
    assert_eq!(shape_str(&[4, 3, 3, 2]), "(4, 3, 3, 2)");
    assert_eq!(shape_str(&[5]), "(5,)");
    assert_eq!(shape_str(&[]), "()");
}

#[test]
fn static_dimensions_and_labels() {
    let x = ndarray::array![[1.0, 2.0], [3.0, 4.5]];
    assert_eq!(labelled("x =", &x.view()), "x = [[1.  2. ]\n     [3.  4.5]]");
    let b = ndarray::arr0(true);
    assert_eq!(array2string(&b.view(), 0), "True");
    let e = ndarray::Array2::<i64>::zeros((0, 3));
    assert_eq!(array2string(&e.view(), 4), "[]");
}
