//! Metric math for `GetMetricData` `Expression` queries: arithmetic (`+ - * /`) on series and
//! scalars, comparisons (`> < >= <= == !=`, giving 1 or 0), `AND`/`OR`, and the functions
//! `IF(cond, a[, b])`, `FILL(series, value|REPEAT)`, `ABS(x)` and the series reductions
//! `SUM`, `AVG`, `MIN`, `MAX` (which return a scalar).
//!
//! Semantics follow `CloudWatch`'s metric math guide: in arithmetic between two series a
//! timestamp missing from one side counts as 0; a point whose result is not finite (a division
//! by zero) is dropped; a scalar is applied to every point of a series.
//!
//! Stack safety: a run of operators of one precedence (`a + b + c + ...`) parses into one
//! [`Expr::Chain`] folded in a loop, not a nested tree, and parentheses, calls and unary minus
//! nest at most [`MAX_NESTING`] deep, so parsing, evaluating and dropping an expression
//! recurse a bounded number of frames whatever its length. References to other queries are
//! not followed here: [`Context::resolve`] answers them (the caller orders evaluation).

use std::collections::BTreeMap;

/// A metric math value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Series(BTreeMap<i64, f64>),
}

/// What an expression needs from the query it belongs to.
pub trait Context {
    /// The value of another query of the same request, by `Id`.
    fn resolve(&mut self, id: &str) -> Result<Value, String>;
    /// Every period start of the query window (what `FILL` fills).
    fn grid(&self) -> &[i64];
}

/// Deepest nesting of parentheses, function calls and unary minus an expression may use.
pub const MAX_NESTING: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

const OPS: [&str; 14] = [
    ">=", "<=", "==", "!=", "&&", "||", ">", "<", "+", "-", "*", "/", "^", "=",
];

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    'outer: while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            out.push(Tok::Num(
                text.parse()
                    .map_err(|_| format!("Unrecognized number {text}"))?,
            ));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
            continue;
        }
        match c {
            '(' => out.push(Tok::LParen),
            ')' => out.push(Tok::RParen),
            ',' => out.push(Tok::Comma),
            _ => {
                for op in OPS {
                    let len = op.len();
                    if chars[i..].iter().take(len).copied().eq(op.chars()) {
                        out.push(Tok::Op(if op == "=" { "==" } else { op }));
                        i += len;
                        continue 'outer;
                    }
                }
                return Err(format!("Unrecognized token {c}"));
            }
        }
        i += 1;
    }
    Ok(out)
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Ref(String),
    Neg(Box<Expr>),
    /// `first op1 e1 op2 e2 ...`, operators of one precedence, applied left to right.
    Chain(Box<Expr>, Vec<(&'static str, Expr)>),
    Call(String, Vec<Expr>),
}

impl Expr {
    /// The ids this expression references, each once, in order of first use (`REPEAT` as the
    /// second argument of `FILL` is a keyword, not a reference). Walks the tree with an
    /// explicit stack.
    pub fn references(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e {
                Expr::Num(_) => {}
                Expr::Ref(id) => {
                    if !out.contains(&id.as_str()) {
                        out.push(id);
                    }
                }
                Expr::Neg(inner) => stack.push(inner),
                Expr::Chain(first, rest) => {
                    stack.extend(rest.iter().rev().map(|(_, e)| e));
                    stack.push(first);
                }
                Expr::Call(name, args) => {
                    let keyword = |i: usize, a: &Expr| {
                        name == "FILL"
                            && i == 1
                            && matches!(a, Expr::Ref(r) if r.eq_ignore_ascii_case("REPEAT"))
                    };
                    stack.extend(
                        args.iter()
                            .enumerate()
                            .rev()
                            .filter(|(i, a)| !keyword(*i, a))
                            .map(|(_, a)| a),
                    );
                }
            }
        }
        out
    }
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn binary(&mut self, level: usize) -> Result<Expr, String> {
        const LEVELS: [&[&str]; 6] = [
            &["||"],
            &["&&"],
            &[">=", "<=", "==", "!=", ">", "<"],
            &["+", "-"],
            &["*", "/"],
            &["^"],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let first = self.binary(level + 1)?;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek() {
                Some(Tok::Op(op)) if ops.contains(op) => *op,
                Some(Tok::Ident(w)) if level == 0 && w.eq_ignore_ascii_case("OR") => "||",
                Some(Tok::Ident(w)) if level == 1 && w.eq_ignore_ascii_case("AND") => "&&",
                _ => break,
            };
            self.pos += 1;
            rest.push((op, self.binary(level + 1)?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Chain(Box::new(first), rest)
        })
    }
    fn unary(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(format!(
                "Expression is nested too deeply (more than {MAX_NESTING} levels of parentheses, calls or unary minus)"
            ));
        }
        let result = match self.next() {
            Some(Tok::Op("-")) => self.unary().map(|e| Expr::Neg(Box::new(e))),
            Some(Tok::Num(n)) => Ok(Expr::Num(n)),
            Some(Tok::LParen) => {
                let e = self.binary(0)?;
                self.expect_rparen().map(|()| e)
            }
            Some(Tok::Ident(name)) if self.peek() == Some(&Tok::LParen) => {
                self.pos += 1;
                let mut args = Vec::new();
                if self.peek() == Some(&Tok::RParen) {
                    self.pos += 1;
                } else {
                    loop {
                        args.push(self.binary(0)?);
                        match self.next() {
                            Some(Tok::Comma) => {}
                            Some(Tok::RParen) => break,
                            _ => return Err(format!("Expected , or ) in call to {name}")),
                        }
                    }
                }
                Ok(Expr::Call(name.to_ascii_uppercase(), args))
            }
            Some(Tok::Ident(name)) => Ok(Expr::Ref(name)),
            Some(t) => Err(format!("Unexpected token {t:?}")),
            None => Err("Unexpected end of expression".to_owned()),
        };
        self.depth -= 1;
        result
    }
    fn expect_rparen(&mut self) -> Result<(), String> {
        match self.next() {
            Some(Tok::RParen) => Ok(()),
            _ => Err("Expected )".to_owned()),
        }
    }
}

/// Parses an expression.
pub fn parse(src: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: tokenize(src)?,
        pos: 0,
        depth: 0,
    };
    let e = p.binary(0)?;
    if p.pos != p.toks.len() {
        return Err(format!("Unexpected token after position {}", p.pos));
    }
    Ok(e)
}

fn apply(op: &str, a: f64, b: f64) -> f64 {
    let truth = |x: bool| if x { 1.0 } else { 0.0 };
    match op {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" => a / b,
        "^" => a.powf(b),
        ">" => truth(a > b),
        "<" => truth(a < b),
        ">=" => truth(a >= b),
        "<=" => truth(a <= b),
        "==" => truth((a - b).abs() < f64::EPSILON),
        "!=" => truth((a - b).abs() >= f64::EPSILON),
        "&&" => truth(a != 0.0 && b != 0.0),
        _ => truth(a != 0.0 || b != 0.0),
    }
}

fn finite(points: impl Iterator<Item = (i64, f64)>) -> BTreeMap<i64, f64> {
    points.filter(|(_, v)| v.is_finite()).collect()
}

fn binop(op: &str, a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Scalar(x), Value::Scalar(y)) => Value::Scalar(apply(op, x, y)),
        (Value::Series(s), Value::Scalar(y)) => {
            Value::Series(finite(s.into_iter().map(|(t, x)| (t, apply(op, x, y)))))
        }
        (Value::Scalar(x), Value::Series(s)) => {
            Value::Series(finite(s.into_iter().map(|(t, y)| (t, apply(op, x, y)))))
        }
        (Value::Series(l), Value::Series(r)) => {
            let mut times: Vec<i64> = l.keys().chain(r.keys()).copied().collect();
            times.sort_unstable();
            times.dedup();
            let at = |s: &BTreeMap<i64, f64>, t| s.get(&t).copied().unwrap_or(0.0);
            Value::Series(finite(
                times
                    .into_iter()
                    .map(|t| (t, apply(op, at(&l, t), at(&r, t)))),
            ))
        }
    }
}

fn value_at(v: &Value, t: i64) -> Option<f64> {
    match v {
        Value::Scalar(x) => Some(*x),
        Value::Series(s) => s.get(&t).copied(),
    }
}

fn reduce(name: &str, v: &Value) -> f64 {
    let values: Vec<f64> = match v {
        Value::Scalar(x) => vec![*x],
        Value::Series(s) => s.values().copied().collect(),
    };
    let n = values.len() as f64;
    match name {
        "SUM" => values.iter().sum(),
        "AVG" => values.iter().sum::<f64>() / n,
        "MIN" => values.iter().copied().fold(f64::NAN, f64::min),
        _ => values.iter().copied().fold(f64::NAN, f64::max),
    }
}

/// Evaluates a parsed expression.
pub fn eval(expr: &Expr, ctx: &mut dyn Context) -> Result<Value, String> {
    match expr {
        Expr::Num(n) => Ok(Value::Scalar(*n)),
        Expr::Ref(id) => ctx.resolve(id),
        Expr::Neg(e) => Ok(binop("*", eval(e, ctx)?, Value::Scalar(-1.0))),
        Expr::Chain(first, rest) => {
            let mut acc = eval(first, ctx)?;
            for (op, e) in rest {
                acc = binop(op, acc, eval(e, ctx)?);
            }
            Ok(acc)
        }
        Expr::Call(name, args) => call(name, args, ctx),
    }
}

fn call(name: &str, args: &[Expr], ctx: &mut dyn Context) -> Result<Value, String> {
    let arity = |n: std::ops::RangeInclusive<usize>| {
        if n.contains(&args.len()) {
            Ok(())
        } else {
            Err(format!("Wrong number of arguments to {name}"))
        }
    };
    match name {
        "IF" => {
            arity(2..=3)?;
            let cond = eval(&args[0], ctx)?;
            let yes = eval(&args[1], ctx)?;
            let no = args.get(2).map(|e| eval(e, ctx)).transpose()?;
            let pick = |c: f64, t: i64| {
                if c == 0.0 {
                    no.as_ref().and_then(|n| value_at(n, t))
                } else {
                    value_at(&yes, t)
                }
            };
            Ok(match cond {
                Value::Scalar(c) => match (c != 0.0, &no) {
                    (true, _) => yes.clone(),
                    (false, Some(n)) => n.clone(),
                    (false, None) => Value::Series(BTreeMap::new()),
                },
                Value::Series(s) => Value::Series(finite(
                    s.iter().filter_map(|(&t, &c)| pick(c, t).map(|v| (t, v))),
                )),
            })
        }
        "FILL" => {
            arity(2..=2)?;
            let Value::Series(s) = eval(&args[0], ctx)? else {
                return Err("FILL expects a time series as its first argument".to_owned());
            };
            let grid = ctx.grid().to_vec();
            let fill = if matches!(&args[1], Expr::Ref(r) if r.eq_ignore_ascii_case("REPEAT")) {
                None
            } else {
                Some(eval(&args[1], ctx)?)
            };
            let mut out = s.clone();
            let mut last: Option<f64> = None;
            for t in grid {
                if let Some(&v) = s.get(&t) {
                    last = Some(v);
                } else if let Some(v) = fill.as_ref().map_or(last, |f| value_at(f, t)) {
                    out.insert(t, v);
                }
            }
            Ok(Value::Series(out))
        }
        "ABS" => {
            arity(1..=1)?;
            Ok(match eval(&args[0], ctx)? {
                Value::Scalar(x) => Value::Scalar(x.abs()),
                Value::Series(s) => {
                    Value::Series(s.into_iter().map(|(t, v)| (t, v.abs())).collect())
                }
            })
        }
        "SUM" | "AVG" | "MIN" | "MAX" => {
            arity(1..=1)?;
            Ok(Value::Scalar(reduce(name, &eval(&args[0], ctx)?)))
        }
        _ => Err(format!("Unknown function {name}")),
    }
}
