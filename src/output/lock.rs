//! Advisory locks on output folders, and the removal of temp files that an
//! interrupted or killed command left behind.
//!
//! A command that writes a whole folder (run, merge, sweep, report) holds
//! an exclusive lock on it from before its first temp file until its files
//! are in place; a command that adds its own files beside others' (a
//! shard's partial result, score.csv, robust.csv) holds a shared lock while
//! it writes. A second writer is refused with a message instead of mixing
//! two runs' files. On Unix the lock is an `flock` on the folder itself, so
//! no lock file is added to the folder; elsewhere it is on a hidden
//! `.bilateral.lock` file in it. The lock goes with the process: a killed
//! command leaves no lock behind.
//!
//! Whoever obtains the exclusive lock knows no other bilateral command is
//! writing into the folder, so any `.bilateral-*.tmp` file there is left
//! over from one that was killed, and is removed.

use std::fs::{File, TryLockError};
use std::io;
use std::path::Path;

/// What the holder of a lock does in the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Writes the folder's files as one set: no other writer at the same
    /// time (refused at once).
    Exclusive,
    /// Adds files of its own beside others' (shards in one folder run at
    /// the same time); refused while an exclusive writer holds the folder.
    Shared,
    /// Like [`Mode::Shared`], but waits for an exclusive writer to finish
    /// instead of failing (a command that has already done its work and
    /// writes one file at the end).
    SharedWait,
}

/// A lock on an output folder, released when dropped.
#[derive(Debug)]
pub struct FolderLock {
    _file: Option<File>,
}

/// The message for a folder held by another command.
pub const BUSY: &str = "another bilateral command is writing into this folder (it holds the folder's lock); wait for it to finish, or give another --out";

impl FolderLock {
    /// Locks the existing folder `dir` in `mode`. A file system without
    /// locks gives a warning and no lock, not an error.
    pub fn acquire(dir: &Path, mode: Mode) -> io::Result<FolderLock> {
        let file = match open(dir) {
            Ok(f) => f,
            Err(e) => return unsupported(dir, e),
        };
        match file.try_lock() {
            Ok(()) => {
                remove_stale_temps(dir);
                if mode != Mode::Exclusive {
                    file.unlock()?;
                    shared(dir, &file, mode)?;
                }
            }
            Err(TryLockError::WouldBlock) => match mode {
                Mode::Exclusive => return Err(busy()),
                _ => shared(dir, &file, mode)?,
            },
            Err(TryLockError::Error(e)) => return unsupported(dir, e),
        }
        Ok(FolderLock { _file: Some(file) })
    }
}

fn busy() -> io::Error {
    io::Error::new(io::ErrorKind::WouldBlock, BUSY)
}

fn shared(dir: &Path, file: &File, mode: Mode) -> io::Result<()> {
    match file.try_lock_shared() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) if mode == Mode::SharedWait => {
            eprintln!(
                "waiting for the other bilateral command writing into {} to finish",
                dir.display()
            );
            file.lock_shared()
        }
        Err(TryLockError::WouldBlock) => Err(busy()),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

fn unsupported(dir: &Path, e: io::Error) -> io::Result<FolderLock> {
    eprintln!(
        "warning: cannot lock {} ({e}); a second bilateral command writing into it at the same time would not be noticed",
        dir.display()
    );
    Ok(FolderLock { _file: None })
}

#[cfg(unix)]
fn open(dir: &Path) -> io::Result<File> {
    File::open(dir)
}

#[cfg(not(unix))]
fn open(dir: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".bilateral.lock"))
}

/// Whether `name` is one of bilateral's temp files (`.bilateral-*.tmp`).
pub fn is_temp_name(name: &str) -> bool {
    name.len() > ".bilateral-.tmp".len()
        && name.starts_with(".bilateral-")
        && name.ends_with(".tmp")
}

/// Removes the temp files of bilateral's naming in `dir` (files only, never
/// a folder or a link's target), saying how many.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut removed = 0usize;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_temp_name(name) {
            continue;
        }
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        eprintln!(
            "removed {removed} temp file{} (.bilateral-*.tmp) that an interrupted bilateral command left in {}",
            if removed == 1 { "" } else { "s" },
            dir.display()
        );
    }
}
