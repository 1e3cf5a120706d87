//! [`AtomicFile`]: a file that appears under its name only when it is complete.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A file written under a temporary name beside its destination and renamed to it by
/// [`commit`](Self::commit), so a failed or interrupted encode never leaves a half-written
/// file where a finished one is expected. Dropped without `commit`, it removes the
/// temporary file.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    temp: PathBuf,
    path: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file `.<name>.framecast-<pid>.part` in `path`'s directory.
    /// Errors name the directory when it does not exist.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let name = path.file_name().ok_or_else(|| Error::Io {
            what: format!("output path '{}'", path.display()),
            source: io::Error::new(io::ErrorKind::InvalidInput, "it does not name a file"),
        })?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(Error::Io {
                what: format!("output directory '{}'", dir.display()),
                source: io::Error::new(io::ErrorKind::NotFound, "it does not exist"),
            });
        }
        let temp = dir.join(format!(
            ".{}.framecast-{}.part",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
            .map_err(|source| Error::Io {
                what: format!("creating '{}'", temp.display()),
                source,
            })?;
        Ok(AtomicFile {
            file: Some(file),
            temp,
            path,
        })
    }

    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the file to disk and renames it to its destination.
    pub fn commit(mut self) -> Result<PathBuf> {
        if let Some(file) = self.file.take() {
            file.sync_all().map_err(|source| Error::Io {
                what: format!("flushing '{}'", self.temp.display()),
                source,
            })?;
        }
        std::fs::rename(&self.temp, &self.path).map_err(|source| Error::Io {
            what: format!(
                "renaming '{}' to '{}'",
                self.temp.display(),
                self.path.display()
            ),
            source,
        })?;
        Ok(std::mem::take(&mut self.path))
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("the file was already committed"))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

impl Read for AtomicFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file()?.read(buf)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file()?.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file()?.flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file()?.seek(pos)
    }
}
