//! Writing output files so that none is ever lost.
//!
//! Every file the course writes goes first to a temporary file beside it
//! (`.Z.npy.tmp-<pid>-<n>`, created new, so no symlink or old file is
//! followed), is written in full and synced to disk, and only then renamed
//! over its name: a full disk or a crash leaves the old file as it was,
//! never a truncated one. A temporary file that was not renamed is removed.
//!
//! On top of that, `--save DIR` ([`SaveDir`]) never replaces a file by
//! surprise: a file (or a symlink, even a dangling one) already at a name
//! the lesson writes is refused unless `--force` is given, and a file that
//! is an input of the same run (`--input DIR/Z.npy --save DIR`) is refused
//! even with `--force`. These checks run before the lesson does
//! ([`SaveDir::prepare`]), so a long training run is not lost to a full or
//! read-only directory at its end, and again just before each rename.
//!
//! Why this is our own code and not the `tempfile` crate: what we need is
//! `create_new`, `sync_all` and `rename` from the standard library, about
//! forty lines, where `tempfile` would bring its random names, its Windows
//! and WASI plumbing and three more crates into a tree we keep small; and
//! the checks of `--save` (which names a lesson writes, which files are its
//! inputs) would still be ours.

use std::fmt;
use std::fs::{self, File, Metadata};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::course::cli::{flags_of, Args};
use crate::course::registry::{LessonInfo, Saved};
use crate::error::{Error, Result};

/// A temporary file beside its target, written in full and synced; removed
/// when dropped unless [`persist`](Self::persist) renamed it into place.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    target: PathBuf,
    persisted: bool,
}

impl TempFile {
    /// Writes `bytes` to a new temporary file in `target`'s directory and
    /// syncs it to disk. `target` itself is not touched.
    ///
    /// # Errors
    /// When the file cannot be created, written or synced (it is removed).
    pub fn write(target: &Path, bytes: &[u8]) -> io::Result<TempFile> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let mut tries = 0;
        let (mut file, path) = loop {
            let n = COUNT.fetch_add(1, Ordering::Relaxed);
            let path = target.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()));
            // `create_new` refuses an existing name, a symlink included.
            match File::options().write(true).create_new(true).open(&path) {
                Ok(file) => break (file, path),
                Err(e) if e.kind() == ErrorKind::AlreadyExists && tries < 100 => tries += 1,
                Err(e) => return Err(e),
            }
        };
        // From here on, dropping `temp` removes the file.
        let temp = TempFile { path, target: target.to_path_buf(), persisted: false };
        file.write_all(bytes)?;
        file.sync_all()?;
        Ok(temp)
    }

    /// Renames the file over its target, in one step: the target's name
    /// then holds the new contents (a symlink there is replaced, not followed).
    ///
    /// # Errors
    /// When the rename fails (the temporary file is removed).
    pub fn persist(mut self) -> io::Result<()> {
        fs::rename(&self.path, &self.target)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` to `path`, creating or replacing it in one step: on any
/// error the old file (if any) is left as it was.
///
/// # Errors
/// When the temporary file cannot be written or renamed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    TempFile::write(path, bytes)?.persist()
}

/// What went wrong with `--save`.
#[derive(Debug)]
pub enum SaveError {
    /// `--force` without `--save`.
    ForceWithoutSave,
    /// `--save` names something that is not a directory.
    NotADirectory(PathBuf),
    /// The directory could not be created.
    CannotCreate(PathBuf, io::Error),
    /// No file can be written in the directory.
    NotWritable(PathBuf, io::Error),
    /// Files the run writes are already there (and no `--force`).
    Exists(PathBuf, Vec<String>),
    /// A file the run would write is one of its inputs.
    IsInput {
        /// The file.
        path: PathBuf,
        /// The flag that named it as an input, e.g. `--input`.
        flag: &'static str,
    },
    /// Writing a file failed; the old file (if any) is unchanged.
    WriteFailed(PathBuf, io::Error),
    /// A directory has the name of a file the run writes.
    DirectoryInTheWay(PathBuf),
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SaveError::*;
        match self {
            ForceWithoutSave => write!(f, "--force lets --save replace files; it needs --save DIR"),
            DirectoryInTheWay(path) => write!(
                f,
                "--save would write the file {}, but a directory has that name;\n  \
                 move it, or save elsewhere (not even --force replaces a directory)",
                path.display()
            ),
            NotADirectory(dir) => write!(
                f,
                "--save {}: not a directory;\n  --save takes a directory (created if missing)",
                dir.display()
            ),
            CannotCreate(dir, e) => write!(f, "--save {}: cannot create the directory: {e}", dir.display()),
            NotWritable(dir, e) => {
                let why = match e.kind() {
                    ErrorKind::PermissionDenied => "no permission to write there".to_string(),
                    ErrorKind::ReadOnlyFilesystem => "the file system is read-only".to_string(),
                    _ => format!("cannot write there: {e}"),
                };
                write!(f, "--save {}: {why}", dir.display())
            }
            Exists(dir, names) => {
                let dir = dir.display();
                match names.as_slice() {
                    [one] => write!(f, "--save {dir}: {one} is already there;\n  ")?,
                    _ => write!(f, "--save {dir}: these files are already there:\n  {};\n  ", list(names))?,
                }
                let it = if names.len() == 1 { "it" } else { "them" };
                write!(f, "add --force to replace {it}, or save elsewhere")
            }
            IsInput { path, flag } => write!(
                f,
                "--save would replace the {flag} of this run:\n  {}\n  \
                 save elsewhere (even --force never replaces an input)",
                path.display()
            ),
            WriteFailed(path, e) => {
                write!(f, "could not write {}:\n  {e}; nothing was replaced", path.display())
            }
        }
    }
}

impl std::error::Error for SaveError {}

/// `a, b and c`; past three names, `a, b, c and 4 more`.
fn list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] if names.len() <= 3 => format!("{} and {last}", first.join(", ")),
        _ => format!("{} and {} more", names[..3].join(", "), names.len() - 3),
    }
}

/// Whether `name` matches `pattern`, in which one `*` stands for any text.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.len() >= head.len() + tail.len() && name.starts_with(head) && name.ends_with(tail)
        }
    }
}

/// Which file a name leads to: device and inode, so that two names of one
/// file (a hard link, `dir/../dir/Z.npy`) are seen to be the same.
#[cfg(unix)]
fn file_id(meta: &Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// Elsewhere: the file's length and time of change, a weaker stand-in.
#[cfg(not(unix))]
fn file_id(meta: &Metadata) -> (u64, u64) {
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    (meta.len(), modified.map_or(0, |d| d.as_nanos() as u64))
}

/// What [`SaveDir::write`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The name was free.
    New,
    /// An old file was replaced (`--force`).
    Replaced,
}

/// The directory of `--save`, checked: it exists, can be written in, and
/// holds no file the run would replace by surprise.
#[derive(Debug)]
pub struct SaveDir {
    dir: PathBuf,
    force: bool,
    /// The run's input files: the flag that named each, and its identity.
    inputs: Vec<(&'static str, (u64, u64))>,
}

impl SaveDir {
    /// The checks before a lesson runs: with `--save DIR`, creates `DIR` if
    /// missing, makes sure a file can be written there, and refuses if a
    /// file this run of the lesson writes (its [`LessonInfo::writes`], as
    /// the flags decide) is already there (unless `--force`) or is an input
    /// of the run. `None` without `--save`.
    ///
    /// # Errors
    /// [`SaveError`] for each of those, and `--force` without `--save`.
    pub fn prepare(info: &LessonInfo, args: &Args) -> Result<Option<SaveDir>> {
        let force = args.has("--force");
        let Some(dir) = args.path("--save") else {
            return if force { Err(SaveError::ForceWithoutSave.into()) } else { Ok(None) };
        };
        match fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(SaveError::NotADirectory(dir).into()),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                fs::create_dir_all(&dir).map_err(|e| SaveError::CannotCreate(dir.clone(), e))?;
            }
            Err(e) => return Err(SaveError::CannotCreate(dir, e).into()),
        }
        // A probe: created, then removed when dropped.
        let probe = TempFile::write(&dir.join("probe"), b"");
        probe.map_err(|e| SaveError::NotWritable(dir.clone(), e))?;

        // The files the run's path flags name (a symlink's target as well as the link).
        let mut inputs = vec![];
        for flag in flags_of(info).filter(|f| f.path && f.name != "--save") {
            let Some(path) = args.path(flag.name) else { continue };
            for meta in [fs::metadata(&path), fs::symlink_metadata(&path)].into_iter().flatten() {
                inputs.push((flag.name, file_id(&meta)));
            }
        }
        let save = SaveDir { dir, force, inputs };

        let written =
            info.writes.iter().filter(|s| s.when.is_none_or(|(flag, given)| args.has(flag) == given));
        let existing =
            save.existing(written).map_err(|source| Error::Io { path: save.dir.clone(), source })?;
        for name in &existing {
            save.refuse_an_input(name)?;
            // A directory in the way is never replaced, --force or not.
            if fs::symlink_metadata(save.path(name)).is_ok_and(|m| m.is_dir()) {
                return Err(SaveError::DirectoryInTheWay(save.path(name)).into());
            }
        }
        if !existing.is_empty() && !force {
            return Err(SaveError::Exists(save.dir, existing).into());
        }
        Ok(Some(save))
    }

    /// The path of `name` in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The names in the directory that match one of `files`, in their
    /// order (a symlink counts, even one that leads nowhere).
    fn existing<'a>(&self, files: impl Iterator<Item = &'a Saved>) -> io::Result<Vec<String>> {
        let mut found = vec![];
        for Saved { name: pattern, .. } in files {
            if pattern.contains('*') {
                let mut names: Vec<String> = fs::read_dir(&self.dir)?
                    .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                    .filter(|name| matches(pattern, name))
                    .collect();
                names.sort();
                found.extend(names);
            } else if fs::symlink_metadata(self.path(pattern)).is_ok() {
                found.push(pattern.to_string());
            }
        }
        Ok(found)
    }

    /// An error if the file at `name` (not following a symlink) is an input of the run.
    fn refuse_an_input(&self, name: &str) -> std::result::Result<(), SaveError> {
        let path = self.path(name);
        let Ok(meta) = fs::symlink_metadata(&path) else { return Ok(()) };
        match self.inputs.iter().find(|(_, id)| *id == file_id(&meta)) {
            Some(&(flag, _)) => Err(SaveError::IsInput { path, flag }),
            None => Ok(()),
        }
    }

    /// Writes `bytes` to `name` in the directory, through a temporary file;
    /// checks again, just before the rename, that no file is replaced by
    /// surprise and no input at all.
    ///
    /// # Errors
    /// [`SaveError::WriteFailed`] (the old file unchanged), or
    /// [`SaveError::Exists`] / [`SaveError::IsInput`] as in [`prepare`](Self::prepare).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<Written> {
        let path = self.path(name);
        let failed = |e| SaveError::WriteFailed(path.clone(), e);
        let temp = TempFile::write(&path, bytes).map_err(failed)?;
        let exists = fs::symlink_metadata(&path).is_ok();
        if exists {
            self.refuse_an_input(name)?;
            if !self.force {
                return Err(SaveError::Exists(self.dir.clone(), vec![name.to_string()]).into());
            }
        }
        temp.persist().map_err(failed)?;
        Ok(if exists { Written::Replaced } else { Written::New })
    }
}

impl From<SaveError> for Error {
    fn from(e: SaveError) -> Self {
        Error::Save(e)
    }
}
