//! An output folder written as one transaction.
//!
//! A command checks its inputs, then stages every file it writes under a
//! temporary name in the destination folder (`.bilateral-*.tmp`), and only
//! when all of them are complete renames them into place. Before renaming,
//! each file it replaces is moved aside; if any rename fails the new files
//! are removed and the earlier ones moved back, so the folder holds either
//! the whole earlier set or the whole new one. Afterwards the files of the
//! registry ([`super::export::FILES`]) that the command did not write are
//! removed: they belonged to an earlier run (a full run followed by
//! `run --lever baseline` would otherwise leave its compare.csv behind), and
//! the folder's files, manifest.json and datapackage.json agree.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use tempfile::NamedTempFile;

use super::export::{self, OutputFile, RunTables, Source};
use super::lock::{FolderLock, Mode};
use super::manifest::Manifest;
use super::{AtomicFile, OutputError};

/// The files of a transaction that later exporters read, in memory: the
/// bytes of every serialized file and the header of every streamed table.
#[derive(Debug, Default)]
pub struct Contents {
    bytes: Vec<(String, Vec<u8>)>,
    headers: Vec<(String, Vec<String>)>,
}

impl Contents {
    /// The bytes of `name`, if it was serialized in memory.
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.bytes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// The header row of the CSV table `name`.
    pub fn header(&self, name: &str) -> Option<Vec<String>> {
        if let Some((_, h)) = self.headers.iter().find(|(n, _)| n == name) {
            return Some(h.clone());
        }
        let bytes = self.bytes(name)?;
        let mut reader = csv::Reader::from_reader(bytes);
        Some(reader.headers().ok()?.iter().map(str::to_string).collect())
    }

    /// Adds the bytes of `name` (read back from a folder, or serialized).
    pub fn insert(&mut self, name: &str, bytes: Vec<u8>) {
        self.bytes.retain(|(n, _)| n != name);
        self.bytes.push((name.to_string(), bytes));
    }

    /// Whether `name` is held, in memory or as a streamed table.
    pub fn has(&self, name: &str) -> bool {
        self.bytes(name).is_some() || self.headers.iter().any(|(n, _)| n == name)
    }
}

/// A staged file: its final name and the temp file holding it.
struct Staged {
    name: String,
    temp: NamedTempFile,
}

/// A command's outputs, staged until [`Transaction::commit`].
pub struct Transaction {
    dir: PathBuf,
    staged: Vec<Staged>,
    kept: Vec<String>,
    contents: Contents,
    remove_stale: bool,
    /// The folders this transaction made (the output folder and any
    /// missing parents), deepest first: removed again (each when still
    /// empty) if the transaction is abandoned.
    created: Vec<PathBuf>,
    committed: bool,
    /// The SHA-256 of every staged or kept file, for manifest.json.
    hashes: BTreeMap<String, String>,
    /// Held from the start until the transaction ends.
    _lock: FolderLock,
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.committed && !self.created.is_empty() {
            // The temp files go first, then the folders made for them.
            self.staged.clear();
            for dir in &self.created {
                if std::fs::remove_dir(dir).is_err() {
                    break;
                }
            }
        }
    }
}

/// Why a transaction was abandoned: what failed, and that the folder's
/// earlier files are as they were.
#[derive(Debug, thiserror::Error)]
#[error("{error}; no file in {} was changed", dir.display())]
pub struct Aborted {
    /// What failed.
    pub error: OutputError,
    /// The folder.
    pub dir: PathBuf,
}

impl Transaction {
    /// Starts writing the output folder `dir` of a run, merge, sweep or
    /// report (created if missing): on commit, files of the registry that
    /// are not part of the new set are removed.
    pub fn folder(dir: &Path) -> Result<Transaction, OutputError> {
        Self::begin(dir, true)
    }

    /// Starts writing files into `dir` that share it with other commands'
    /// files (a shard's partial result beside the other shards'): nothing
    /// else is removed.
    pub fn files(dir: &Path) -> Result<Transaction, OutputError> {
        Self::begin(dir, false)
    }

    fn begin(dir: &Path, remove_stale: bool) -> Result<Transaction, OutputError> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let link = std::fs::symlink_metadata(dir).ok();
        if link.as_ref().is_some_and(|m| m.file_type().is_symlink()) && !dir.exists() {
            return Err(OutputError::at(
                dir,
                io::Error::other("it is a link to a folder that does not exist"),
            ));
        }
        if let Some(file) = file_in_the_way(dir) {
            let why = if file == dir {
                "it is a file, not a folder".to_string()
            } else {
                format!("{} is a file, not a folder", file.display())
            };
            return Err(OutputError::at(dir, io::Error::other(why)));
        }
        let created: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && std::fs::symlink_metadata(a).is_err())
            .map(Path::to_path_buf)
            .collect();
        if let Err(e) = std::fs::create_dir_all(dir) {
            // The parents it made before failing go again.
            for made in &created {
                let _ = std::fs::remove_dir(made);
            }
            return Err(OutputError::at(dir, e));
        }
        if !dir.is_dir() {
            return Err(OutputError::at(dir, io::Error::other("it is not a folder")));
        }
        // A whole folder is written by one command at a time; shards
        // writing their own files into one folder may run together.
        let mode = if remove_stale {
            Mode::Exclusive
        } else {
            Mode::Shared
        };
        let lock = FolderLock::acquire(dir, mode).map_err(|e| OutputError::at(dir, e))?;
        Ok(Transaction {
            _lock: lock,
            hashes: BTreeMap::new(),
            dir: dir.to_path_buf(),
            staged: Vec::new(),
            kept: Vec::new(),
            contents: Contents::default(),
            remove_stale,
            created,
            committed: false,
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts streaming the file `name` (e.g. runs.csv while the runs run).
    /// Hand it back with [`Transaction::add_streamed`].
    pub fn stream(&self, name: &str) -> Result<AtomicFile, OutputError> {
        AtomicFile::create(&self.dir.join(name))
    }

    /// Stages a streamed file; `table` when it is a CSV table whose header
    /// later exporters (the data package) describe.
    pub fn add_streamed(&mut self, file: AtomicFile, table: bool) -> Result<(), OutputError> {
        let (temp, path) = file.finish()?;
        let name = file_name(&path);
        let hash = sha256_file(temp.path()).map_err(|e| OutputError::at(&path, e))?;
        self.hashes.insert(name.clone(), hash);
        if table {
            let header = first_record(temp.path()).map_err(|e| OutputError::at(&path, e))?;
            self.contents.headers.push((name.clone(), header));
        }
        self.push(name, temp);
        Ok(())
    }

    /// Stages `bytes` as the file `name`.
    pub fn add_bytes(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), OutputError> {
        let mut file = self.stream(name)?;
        file.write_all(&bytes)
            .map_err(|e| OutputError::at(&self.dir.join(name), e))?;
        let (temp, _) = file.finish()?;
        self.hashes.insert(name.to_string(), sha256_hex(&bytes));
        self.contents.insert(name, bytes);
        self.push(name.to_string(), temp);
        Ok(())
    }

    /// Names a file already in the folder as part of the new set (the
    /// tables `bilateral report` draws from); `bytes` are its contents when
    /// later exporters read them; `hash` its SHA-256 as the run recorded it
    /// (not the file's now: a file changed since is not blessed by a later
    /// command).
    pub fn keep(&mut self, name: &str, bytes: Option<Vec<u8>>, hash: Option<String>) {
        match hash {
            Some(hash) => self.hashes.insert(name.to_string(), hash),
            None => self.hashes.remove(name),
        };
        if let Some(bytes) = bytes {
            self.contents.insert(name, bytes);
        }
        self.kept.push(name.to_string());
    }

    fn push(&mut self, name: String, temp: NamedTempFile) {
        self.staged.retain(|s| s.name != name);
        self.staged.push(Staged { name, temp });
    }

    /// Serializes and stages the registry files `files` that apply, in
    /// registry order, with `manifest`'s `files` set to the whole new set
    /// (the files staged or kept before and the ones serialized here).
    /// Streamed files (`exporter` absent) must have been staged already.
    /// manifest.json is serialized last, with the SHA-256 of every other
    /// file of the set.
    pub fn export(
        &mut self,
        files: &[&'static OutputFile],
        tables: Option<RunTables<'_>>,
        mut manifest: Manifest,
    ) -> Result<(), OutputError> {
        let written = export::written(files, tables.as_ref(), |name| {
            self.contents.has(name) || self.is_staged(name)
        });
        manifest.files = written.iter().map(|f| f.name.to_string()).collect();
        // The other exporters describe the run, not the hashes.
        manifest.sha256.clear();
        let last = written
            .iter()
            .position(|f| f.name == export::MANIFEST.name)
            .map(|i| written[i]);
        let order = written
            .iter()
            .copied()
            .filter(|f| f.name != export::MANIFEST.name)
            .chain(last);
        for file in order {
            let Some(exporter) = file.exporter else {
                continue;
            };
            if !files.iter().any(|g| g.name == file.name) {
                continue;
            }
            if file.name == export::MANIFEST.name {
                manifest.sha256 = manifest
                    .files
                    .iter()
                    .filter(|n| *n != export::MANIFEST.name)
                    .filter_map(|n| Some((n.clone(), self.hashes.get(n)?.clone())))
                    .collect();
            }
            let source = Source {
                tables,
                files: &self.contents,
                manifest: &manifest,
            };
            let bytes = exporter
                .serialize(&source)
                .map_err(|e| OutputError::at(&self.dir.join(file.name), io::Error::other(e)))?;
            self.add_bytes(file.name, bytes)?;
        }
        Ok(())
    }

    fn is_staged(&self, name: &str) -> bool {
        self.staged.iter().any(|s| s.name == name) || self.kept.iter().any(|k| k == name)
    }

    /// Renames every staged file into place, or none: on an error the
    /// folder's earlier files are restored and the error says so. Then
    /// removes the registry files of an earlier run that the new set lacks.
    pub fn commit(mut self) -> Result<(), Aborted> {
        let dir = self.dir.clone();
        let staged = std::mem::take(&mut self.staged);
        let abort = |error| Aborted {
            error,
            dir: dir.clone(),
        };
        // Anything but a file (or nothing) under a final name stops the
        // transaction before it changes anything.
        for s in &staged {
            let target = self.dir.join(&s.name);
            if let Ok(meta) = std::fs::symlink_metadata(&target)
                && meta.is_dir()
            {
                return Err(abort(OutputError::at(
                    &target,
                    io::Error::other("a folder of that name is in the way"),
                )));
            }
        }
        let mut aside: Vec<(PathBuf, tempfile::TempPath)> = Vec::new();
        let mut placed: Vec<PathBuf> = Vec::new();
        let mut failure = None;
        for s in staged {
            let target = self.dir.join(&s.name);
            if std::fs::symlink_metadata(&target).is_ok() {
                match set_aside(&self.dir, &target) {
                    Ok(old) => aside.push((target.clone(), old)),
                    Err(e) => {
                        failure = Some(OutputError::at(&target, e));
                        break;
                    }
                }
            }
            match s.temp.persist(&target) {
                Ok(_) => placed.push(target),
                Err(e) => {
                    failure = Some(OutputError::at(&target, e.error));
                    break;
                }
            }
        }
        if let Some(error) = failure {
            for path in placed.iter().rev() {
                let _ = std::fs::remove_file(path);
            }
            for (target, old) in aside.into_iter().rev() {
                let _ = old.persist(&target);
            }
            return Err(abort(error));
        }
        self.committed = true;
        // The set is in place: the files set aside go (dropping a TempPath
        // removes it), and so do the stale files of an earlier run.
        drop(aside);
        if self.remove_stale {
            for file in export::FILES {
                let name = file.name;
                let current = placed.iter().any(|p| file_name(p) == name)
                    || self.kept.iter().any(|k| k == name);
                let path = self.dir.join(name);
                if !current && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(())
    }
}

/// The file that keeps `dir` from being made an output folder: `dir`
/// itself, or the nearest of its parents that exists, when that is a file
/// rather than a folder; `None` when `dir` can be one.
pub fn file_in_the_way(dir: &Path) -> Option<&Path> {
    for ancestor in dir.ancestors() {
        if ancestor.as_os_str().is_empty() {
            break;
        }
        match std::fs::metadata(ancestor) {
            Ok(meta) if meta.is_dir() => return None,
            Ok(_) => return Some(ancestor),
            // Missing: made with the folder.
            Err(_) => {}
        }
    }
    None
}

/// A folder could not be read back or written.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// A file of the folder is missing or broken.
    #[error("cannot read {}: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file could not be staged.
    #[error(transparent)]
    Write(#[from] OutputError),
    /// The files could not be renamed into place.
    #[error(transparent)]
    Aborted(#[from] Aborted),
}

/// Largest table read back whole into memory by `bilateral report`.
pub const MAX_TABLE_BYTES: u64 = 1 << 30;

/// Adds `file` (the report or the workbook) to the output folder `dir`,
/// drawn from the tables its manifest.json names (and only those: a file
/// of an earlier run is not part of the run), and lists it in the
/// manifest. The folder must hold a readable manifest.json.
pub fn add_to_folder(dir: &Path, file: &'static OutputFile) -> Result<(), FolderError> {
    let manifest_path = dir.join(export::MANIFEST.name);
    let unreadable = |path: &Path, reason: String| FolderError::Read {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
        unreadable(
            &manifest_path,
            format!("{e}; give the output folder of `bilateral run` or `bilateral merge`"),
        )
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| unreadable(&manifest_path, format!("not a bilateral manifest: {e}")))?;
    let mut tx = Transaction::folder(dir)?;
    for name in &manifest.files {
        let Some(listed) = export::by_name(name) else {
            return Err(unreadable(
                &manifest_path,
                format!("`files` lists `{name}`, which bilateral does not write"),
            ));
        };
        if listed.name == file.name || listed.name == export::MANIFEST.name {
            continue;
        }
        let path = dir.join(listed.name);
        if !path.is_file() {
            return Err(unreadable(
                &path,
                "manifest.json lists it but the folder does not hold it".into(),
            ));
        }
        let bytes = if listed.sheet.is_some() {
            Some(read_table(&path, MAX_TABLE_BYTES).map_err(|reason| unreadable(&path, reason))?)
        } else {
            None
        };
        tx.keep(
            listed.name,
            bytes,
            manifest.sha256.get(listed.name).cloned(),
        );
    }
    tx.export(&[file, &export::MANIFEST], None, manifest)?;
    tx.commit()?;
    Ok(())
}

/// Reads a CSV table whole, refusing one of more than `limit` bytes
/// ([`MAX_TABLE_BYTES`]) rather than reading a truncated table, and checks
/// that it parses.
fn read_table(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    // One byte past the limit tells a file of exactly `limit` bytes from a
    // longer one.
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than {limit} bytes"));
    }
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    for record in reader.records() {
        record.map_err(|e| format!("not a CSV table: {e}"))?;
    }
    Ok(bytes)
}

/// The SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The SHA-256 of the file at `path`, read in pieces.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut hasher = Sha256::new();
    io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Moves `target` to a fresh temp name in `dir`, removed when dropped.
fn set_aside(dir: &Path, target: &Path) -> io::Result<tempfile::TempPath> {
    let old = tempfile::Builder::new()
        .prefix(".bilateral-")
        .suffix(".old.tmp")
        .tempfile_in(dir)?
        .into_temp_path();
    std::fs::rename(target, &old)?;
    Ok(old)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The first CSV record of a file (its header).
fn first_record(path: &Path) -> io::Result<Vec<String>> {
    let mut line = String::new();
    io::BufReader::new(std::fs::File::open(path)?).read_line(&mut line)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    let record = reader
        .records()
        .next()
        .transpose()
        .map_err(io::Error::other)?
        .unwrap_or_default();
    Ok(record.iter().map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_past_the_limit_is_refused_not_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let table = b"a,b\n1,2\n3,4\n";
        std::fs::write(&path, table).unwrap();
        let limit = table.len() as u64;
        assert_eq!(
            read_table(&path, limit).unwrap(),
            table,
            "exactly at the limit"
        );
        let refused = read_table(&path, limit - 1).unwrap_err();
        assert!(refused.contains("larger than"), "{refused}");
        std::fs::write(&path, b"a,b\n1,2,3\n").unwrap();
        assert!(
            read_table(&path, 100)
                .unwrap_err()
                .contains("not a CSV table")
        );
    }
}
