//! Output files: one module per file behind one trait ([`export`]), written
//! as one transaction per folder ([`folder`]).
//!
//! Every file is written to a temporary file in the destination folder and
//! renamed into place only when all of a command's files are complete, so a
//! failed or killed run never leaves a half-written file under a final name,
//! nor a folder mixing two runs' files.

pub mod compare;
pub mod datapackage;
pub mod decision;
pub mod discovery;
pub mod export;
pub mod folder;
pub mod lock;
pub mod manifest;
pub mod partial;
pub mod report;
pub mod robust;
pub mod runs;
pub mod sensitivity;
pub mod summary;
pub mod sweep;
pub mod timeseries;
pub mod xlsx;

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// An output file being written: a temp file beside its final path.
pub struct AtomicFile {
    temp: BufWriter<NamedTempFile>,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts writing `path` (its folder must exist).
    pub fn create(path: &Path) -> Result<AtomicFile, OutputError> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut builder = tempfile::Builder::new();
        builder.prefix(".bilateral-").suffix(".tmp");
        // Temp files are private by default; outputs are ordinary files
        // that others may read, like any file the user's tools write.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let temp = builder
            .tempfile_in(dir)
            .map_err(|e| OutputError::at(path, e))?;
        Ok(AtomicFile {
            temp: BufWriter::new(temp),
            path: path.to_path_buf(),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> Result<(), OutputError> {
        let (temp, path) = self.finish()?;
        temp.persist(&path)
            .map_err(|e| OutputError::at(&path, e.error))?;
        Ok(())
    }

    /// Flushes and syncs the file; returns it still under its temp name,
    /// with its final path (a transaction renames it later).
    pub fn finish(self) -> Result<(NamedTempFile, PathBuf), OutputError> {
        let path = self.path;
        let temp = self
            .temp
            .into_inner()
            .map_err(|e| OutputError::at(&path, e.into_error()))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| OutputError::at(&path, e))?;
        Ok((temp, path))
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}

/// Writes a whole file atomically with `fill`.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut AtomicFile) -> io::Result<()>,
) -> Result<(), OutputError> {
    // Not while another command writes the folder as a whole (it would
    // take this temp file for a stale one).
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let _lock = lock::FolderLock::acquire(dir, lock::Mode::SharedWait)
        .map_err(|e| OutputError::at(dir, e))?;
    let mut file = AtomicFile::create(path)?;
    fill(&mut file).map_err(|e| OutputError::at(path, e))?;
    file.commit()
}

/// An output file could not be written. The reason is part of the message
/// (not a separate source), so `{:#}` prints it once.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {cause}", path.display())]
pub struct OutputError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub cause: io::Error,
}

impl OutputError {
    /// `path` could not be written because of `source`.
    pub fn at(path: &Path, source: io::Error) -> OutputError {
        // Errors from the temp file name the temp file; keep only the OS
        // reason, the final path is what the user knows.
        let source = match source.raw_os_error() {
            Some(code) => io::Error::from_raw_os_error(code),
            None => source,
        };
        OutputError {
            path: path.to_path_buf(),
            cause: source,
        }
    }
}

/// Formats a number for CSV: integers without a decimal point, other values
/// with at most six decimals (trailing zeros trimmed), `NaN` and missing as an
/// empty cell. Plain `.` decimals, no exponent, no thousands separators.
pub fn fmt_num(x: Option<f64>) -> String {
    match x {
        None => String::new(),
        Some(x) if !x.is_finite() => String::new(),
        Some(x) if x == x.trunc() && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => {
            let s = format!("{x:.6}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            if s == "-0" {
                "0".to_string()
            } else {
                s.to_string()
            }
        }
    }
}

/// Formats `x` with exactly `decimals` decimals for the terminal, never as
/// "-0.000": a value that rounds to zero is printed without its sign.
/// `NaN` and infinities are printed as Rust prints them.
pub fn fmt_fixed(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    match text.strip_prefix('-') {
        Some(unsigned) if unsigned.bytes().all(|c| c == b'0' || c == b'.') => unsigned.to_string(),
        _ => text,
    }
}

/// `n` and the noun, in the singular for one: "1 run", "2 runs", "0 runs".
/// `noun` is the singular; the plural adds an `s`.
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Makes a CSV writer with the settings every file shares (RFC 4180, `\n`).
pub fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

#[cfg(test)]
mod tests {
    use super::{count, fmt_fixed, fmt_num};

    #[test]
    fn fixed_decimals_never_show_minus_zero() {
        assert_eq!(fmt_fixed(-0.0, 3), "0.000");
        assert_eq!(fmt_fixed(-0.0004, 3), "0.000");
        assert_eq!(fmt_fixed(-0.4, 0), "0");
        assert_eq!(fmt_fixed(-0.0006, 3), "-0.001");
        assert_eq!(fmt_fixed(1.23456, 2), "1.23");
        assert_eq!(fmt_fixed(-12.5, 1), "-12.5");
    }

    #[test]
    fn counts_take_the_singular_for_one() {
        assert_eq!(count(1u64, "run"), "1 run");
        assert_eq!(count(0usize, "lever"), "0 levers");
        assert_eq!(count(2u32, "point"), "2 points");
    }

    #[test]
    fn numbers_are_plain() {
        assert_eq!(fmt_num(Some(25.0)), "25");
        assert_eq!(fmt_num(Some(0.1 + 0.2)), "0.3");
        assert_eq!(fmt_num(Some(-0.0000001)), "0");
        assert_eq!(fmt_num(Some(1234567.125)), "1234567.125");
        assert_eq!(fmt_num(Some(f64::NAN)), "");
        assert_eq!(fmt_num(None), "");
    }
}
