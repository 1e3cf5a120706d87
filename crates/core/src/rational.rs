//! Exact rational numbers for frame rates and time bases.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A positive rational number in lowest terms, such as a frame rate of `30000/1001`.
///
/// Decimal text is read exactly: `29.97` is `2997/100`, `12.5` is `25/2`, `10.00` is `10/1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    num: u32,
    den: u32,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rational {
    /// `num/den` reduced to lowest terms; both must be positive.
    pub fn new(num: u32, den: u32) -> Result<Self, Error> {
        if num == 0 || den == 0 {
            return Err(Error::InvalidRational {
                text: format!("{num}/{den}"),
                reason: "numerator and denominator must both be positive",
            });
        }
        let g = gcd(u64::from(num), u64::from(den)) as u32;
        Ok(Rational {
            num: num / g,
            den: den / g,
        })
    }

    /// A positive whole number, usable in constants.
    ///
    /// ```
    /// # use framecast_core::Rational;
    /// # use std::num::NonZeroU32;
    /// const FPS: Rational = Rational::whole(NonZeroU32::new(30).unwrap());
    /// assert_eq!(FPS.to_string(), "30");
    /// ```
    pub const fn whole(n: std::num::NonZeroU32) -> Self {
        Rational {
            num: n.get(),
            den: 1,
        }
    }

    /// A whole number.
    pub fn integer(n: u32) -> Result<Self, Error> {
        Self::new(n, 1)
    }

    /// Numerator (in lowest terms).
    pub fn num(&self) -> u32 {
        self.num
    }

    /// Denominator (in lowest terms).
    pub fn den(&self) -> u32 {
        self.den
    }

    /// The value as a float (for display and estimates, never for timestamps).
    pub fn as_f64(&self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// The reciprocal (a frame rate's frame duration).
    pub fn recip(&self) -> Self {
        Rational {
            num: self.den,
            den: self.num,
        }
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

impl FromStr for Rational {
    type Err = Error;

    /// Parses `N`, `N/D` or a decimal `I.F` (exactly).
    fn from_str(s: &str) -> Result<Self, Error> {
        let text = s.trim();
        let bad = |reason| Error::InvalidRational {
            text: s.to_owned(),
            reason,
        };
        const EXPECTED: &str = "expected a positive number such as 30, 12.5 or 30000/1001";
        let parse_u64 = |t: &str| -> Result<u64, Error> {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(EXPECTED));
            }
            t.parse::<u64>()
                .map_err(|_| bad("number too large; numerator and denominator must fit in 32 bits"))
        };
        let (num, den) = if let Some((n, d)) = text.split_once('/') {
            (parse_u64(n)?, parse_u64(d)?)
        } else if let Some((i, f)) = text.split_once('.') {
            let frac = f.trim_end_matches('0');
            if frac.len() > 9 {
                return Err(bad("more than 9 decimal places"));
            }
            let den = 10u64.pow(frac.len() as u32);
            let int = if i.is_empty() { 0 } else { parse_u64(i)? };
            let frac_val = if frac.is_empty() {
                if !f.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(EXPECTED));
                }
                0
            } else {
                parse_u64(frac)?
            };
            let num = int
                .checked_mul(den)
                .and_then(|n| n.checked_add(frac_val))
                .ok_or_else(|| bad("number too large"))?;
            (num, den)
        } else {
            (parse_u64(text)?, 1)
        };
        if num == 0 || den == 0 {
            return Err(bad("must be greater than zero"));
        }
        let g = gcd(num, den);
        let (num, den) = (num / g, den / g);
        let num = u32::try_from(num).map_err(|_| bad("numerator must fit in 32 bits"))?;
        let den = u32::try_from(den).map_err(|_| bad("denominator must fit in 32 bits"))?;
        Rational::new(num, den)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> (u32, u32) {
        let v: Rational = s.parse().unwrap();
        (v.num(), v.den())
    }

    #[test]
    fn parses_ffmpeg_rate_spellings() {
        assert_eq!(r("10"), (10, 1));
        assert_eq!(r("10.00"), (10, 1));
        assert_eq!(r("29.97"), (2997, 100));
        assert_eq!(r("2997/100"), (2997, 100));
        assert_eq!(r("30000/1001"), (30000, 1001));
        assert_eq!(r("12.5"), (25, 2));
        assert_eq!(r("60/2"), (30, 1));
        assert_eq!(r(".5"), (1, 2));
    }

    #[test]
    fn rejects_bad_rates_with_reason() {
        for s in [
            "",
            "0",
            "0/1",
            "1/0",
            "abc",
            "-5",
            "1.2.3",
            "99999999999",
            "1e3",
            "5.",
        ] {
            let e = s.parse::<Rational>();
            if s == "5." {
                assert_eq!(e.map(|v| (v.num(), v.den())), Ok((5, 1)));
                continue;
            }
            let msg = e.unwrap_err().to_string();
            assert!(msg.starts_with(&format!("invalid rate '{s}'")), "{msg}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["30", "30000/1001", "25/2"] {
            assert_eq!(s.parse::<Rational>().unwrap().to_string(), s);
        }
    }
}
