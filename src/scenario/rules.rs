//! The condition language of lever rules.
//!
//! ```text
//! condition  := conjunction ("or" conjunction)*
//! conjunction:= comparison ("and" comparison)*
//! comparison := operand ("<" | "<=" | ">" | ">=" | "==" | "!=") operand
//!             | "(" condition ")"
//! operand    := number | variable
//! ```
//!
//! `and` binds tighter than `or`. Variables are the names listed by
//! `model::rules::variable_names`; numbers may have an exponent (`1e-3`).
//! There is nothing else: no arithmetic, no functions, no code.
//!
//! A condition is at most [`MAX_CONDITION_CHARS`] characters, holds at most
//! [`MAX_COMPARISONS`] comparisons and nests at most [`MAX_NESTING`]
//! parentheses deep, so that parsing and evaluating it (both recursive)
//! never run out of stack; `validate` and `run` parse alike, so they give
//! the same verdict.

use crate::model::rules::{Cmp, Condition, Operand, Var};

/// The longest condition, in characters.
pub const MAX_CONDITION_CHARS: usize = 4096;
/// The most comparisons in one condition.
pub const MAX_COMPARISONS: usize = 256;
/// The deepest nesting of parentheses.
pub const MAX_NESTING: usize = 32;

/// A problem in a condition: the 1-based column in the string and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    /// 1-based column (in characters) within the condition string.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What would be right.
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Name(String),
    Op(Cmp),
    And,
    Or,
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ConditionError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            out.push((col, if c == '(' { Token::Open } else { Token::Close }));
            i += 1;
        } else if "<>=!".contains(c) {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let (op, len) = match two.as_str() {
                "<=" => (Cmp::Le, 2),
                ">=" => (Cmp::Ge, 2),
                "==" => (Cmp::Eq, 2),
                "!=" => (Cmp::Ne, 2),
                _ if c == '<' => (Cmp::Lt, 1),
                _ if c == '>' => (Cmp::Gt, 1),
                _ => {
                    return Err(ConditionError {
                        column: col,
                        message: format!("unexpected `{c}`"),
                        help: Some("comparisons are <, <=, >, >=, == and !=".into()),
                    });
                }
            };
            out.push((col, Token::Op(op)));
            i += len;
        } else if c.is_ascii_digit() || c == '-' || c == '.' {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '_')
            {
                i += 1;
            }
            // An exponent: `e` or `E`, an optional sign, digits.
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            let s: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            match s.parse::<f64>() {
                Ok(x) if x.is_finite() => out.push((col, Token::Num(x))),
                _ => {
                    return Err(ConditionError {
                        column: col,
                        message: format!("`{s}` is not a number"),
                        help: None,
                    });
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_.-".contains(chars[i]))
            {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            out.push((
                col,
                match s.as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    _ => Token::Name(s),
                },
            ));
        } else {
            return Err(ConditionError {
                column: col,
                message: format!("unexpected `{c}`"),
                help: Some(
                    "a condition compares variables and numbers, joined by `and` / `or`".into(),
                ),
            });
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    end_column: usize,
    names: &'a [(String, Var)],
    depth: usize,
    comparisons: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.end_column, |(c, _)| *c)
    }

    fn error(&self, message: String, help: Option<String>) -> ConditionError {
        ConditionError {
            column: self.column(),
            message,
            help,
        }
    }

    fn condition(&mut self) -> Result<Condition, ConditionError> {
        let mut left = self.conjunction()?;
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            let right = self.conjunction()?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn conjunction(&mut self) -> Result<Condition, ConditionError> {
        let mut left = self.comparison()?;
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            let right = self.comparison()?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Condition, ConditionError> {
        if self.peek() == Some(&Token::Open) {
            if self.depth == MAX_NESTING {
                return Err(self.error(
                    format!("parentheses nest more than {MAX_NESTING} deep"),
                    Some(format!(
                        "a condition nests at most {MAX_NESTING} parentheses deep; split the rule"
                    )),
                ));
            }
            self.depth += 1;
            self.pos += 1;
            let inner = self.condition()?;
            if self.peek() != Some(&Token::Close) {
                return Err(self.error("expected `)`".into(), None));
            }
            self.pos += 1;
            self.depth -= 1;
            return Ok(inner);
        }
        if self.comparisons == MAX_COMPARISONS {
            return Err(self.error(
                format!("more than {MAX_COMPARISONS} comparisons"),
                Some(format!(
                    "a condition holds at most {MAX_COMPARISONS} comparisons; split the rule"
                )),
            ));
        }
        self.comparisons += 1;
        let left = self.operand()?;
        let op = match self.peek() {
            Some(Token::Op(op)) => *op,
            _ => {
                return Err(self.error(
                    "expected a comparison (<, <=, >, >=, ==, !=)".into(),
                    Some("e.g. `mx.transfers_last_8w >= 20`".into()),
                ));
            }
        };
        self.pos += 1;
        let right = self.operand()?;
        Ok(Condition::Compare(left, op, right))
    }

    fn operand(&mut self) -> Result<Operand, ConditionError> {
        let column = self.column();
        match self.tokens.get(self.pos).map(|(_, t)| t.clone()) {
            Some(Token::Num(x)) => {
                self.pos += 1;
                Ok(Operand::Num(x))
            }
            Some(Token::Name(name)) => {
                self.pos += 1;
                match self.names.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => Ok(Operand::Var(*v)),
                    None => {
                        let valid: Vec<&str> = self.names.iter().map(|(n, _)| n.as_str()).collect();
                        Err(ConditionError {
                            column,
                            message: format!("unknown variable `{name}`"),
                            help: Some(match super::suggest(&name, &valid) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "see docs/MODEL.md, \"Rules\", for the variables".into(),
                            }),
                        })
                    }
                }
            }
            _ => Err(self.error("expected a variable or a number".into(), None)),
        }
    }
}

/// Parses `text` against the variable `names`.
pub fn parse_condition(text: &str, names: &[(String, Var)]) -> Result<Condition, ConditionError> {
    let length = text.chars().count();
    if length > MAX_CONDITION_CHARS {
        return Err(ConditionError {
            column: MAX_CONDITION_CHARS + 1,
            message: format!(
                "the condition is {length} characters long, more than the {MAX_CONDITION_CHARS} allowed"
            ),
            help: Some("split the rule into several rules".into()),
        });
    }
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        end_column: length + 1,
        names,
        depth: 0,
        comparisons: 0,
    };
    let c = p.condition()?;
    if p.pos < p.tokens.len() {
        return Err(p.error(
            "unexpected text after the condition".into(),
            Some("join comparisons with `and` / `or`".into()),
        ));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::{ActorVar, variable_names};

    fn names() -> Vec<(String, Var)> {
        variable_names(&["us".to_string(), "mx".to_string()])
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let c =
            parse_condition("trust > 0.6 or week >= 10 and us_tariff_pct > 0", &names()).unwrap();
        let Condition::Or(_, right) = c else {
            panic!("or at the top: {c:?}")
        };
        assert!(matches!(*right, Condition::And(_, _)));
    }

    #[test]
    fn parses_the_issue_example() {
        let c =
            parse_condition("mx.transfers_last_8w >= 20 and us_tariff_pct > 0", &names()).unwrap();
        // A timeseries name resolves to its row of the quantities table.
        let us_tariff = crate::model::outcome::VARIABLES
            .iter()
            .position(|v| v.template == "{a}_tariff_pct")
            .unwrap();
        assert_eq!(
            c,
            Condition::And(
                Box::new(Condition::Compare(
                    Operand::Var(Var::Actor(1, ActorVar::TransfersLast(8))),
                    Cmp::Ge,
                    Operand::Num(20.0)
                )),
                Box::new(Condition::Compare(
                    Operand::Var(Var::Reported(us_tariff)),
                    Cmp::Gt,
                    Operand::Num(0.0)
                )),
            )
        );
    }

    #[test]
    fn errors_point_at_the_column_and_suggest() {
        let e = parse_condition("trust > 0.6 and mx.transfer_last_8w >= 20", &names()).unwrap_err();
        assert_eq!(e.column, 17);
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `mx.transfers_last_8w`?")
        );
        let e = parse_condition("trust >", &names()).unwrap_err();
        assert_eq!(e.column, 8);
        let e = parse_condition("trust > 1 us_tariff_pct", &names()).unwrap_err();
        assert_eq!(e.column, 11);
        let e = parse_condition("(trust > 1", &names()).unwrap_err();
        assert_eq!(e.message, "expected `)`");
        let e = parse_condition("trust ~ 1", &names()).unwrap_err();
        assert_eq!(e.column, 7);
    }

    #[test]
    fn numbers_take_exponents() {
        for (text, x) in [
            ("trust > 1e-3", 1e-3),
            ("trust > 2.5E+2", 250.0),
            ("trust > -1e2", -100.0),
        ] {
            let c = parse_condition(text, &names()).unwrap();
            let Condition::Compare(_, _, Operand::Num(y)) = c else {
                panic!("{c:?}")
            };
            assert_eq!(y, x, "{text}");
        }
        assert!(parse_condition("trust > 1e400", &names()).is_err());
        assert!(parse_condition("trust > 1e", &names()).is_err());
    }

    #[test]
    fn limits_are_refused_before_the_stack_runs_out() {
        let deep = format!("{}trust > 0{}", "(".repeat(33), ")".repeat(33));
        let e = parse_condition(&deep, &names()).unwrap_err();
        assert!(e.message.contains("more than 32 deep"), "{e:?}");
        assert_eq!(e.column, 33);
        let ok = format!("{}trust > 0{}", "(".repeat(32), ")".repeat(32));
        assert!(parse_condition(&ok, &names()).is_ok());
        let many = vec!["week > 0"; 257].join(" or ");
        let e = parse_condition(&many, &names()).unwrap_err();
        assert!(e.message.contains("more than 256 comparisons"), "{e:?}");
        let most = vec!["week > 0"; 256].join(" or ");
        assert!(parse_condition(&most, &names()).is_ok());
        let long = vec!["us_tariff_pct > 0"; 50_000].join(" or ");
        let e = parse_condition(&long, &names()).unwrap_err();
        assert!(e.message.contains("more than the 4096 allowed"), "{e:?}");
    }
}
