//! Reading a file of bounded size into text.

use std::io::Read;
use std::path::Path;

/// Why a file could not be read into text.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// The file could not be opened or read, or is not UTF-8.
    Read(std::io::Error),
    /// The file is larger than the limit; nothing beyond the limit was read.
    TooLarge {
        /// The limit, in bytes.
        max_bytes: u64,
    },
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read(e) => write!(f, "{e}"),
            Self::TooLarge { max_bytes } => write!(f, "larger than {max_bytes} bytes"),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read(e) => Some(e),
            Self::TooLarge { .. } => None,
        }
    }
}

/// The text of the file at `path`, refused when it is larger than `max_bytes`: at most one byte
/// more than the limit is ever read, whatever the file's size (a device or a pipe included).
pub fn read_file(path: &Path, max_bytes: u64) -> Result<String, FileError> {
    let file = std::fs::File::open(path).map_err(FileError::Read)?;
    let mut text = String::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_string(&mut text)
        .map_err(FileError::Read)?;
    if text.len() as u64 > max_bytes {
        return Err(FileError::TooLarge { max_bytes });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_up_to_the_limit_are_read_and_larger_ones_refused() -> Result<(), FileError> {
        let dir = tempfile::tempdir().map_err(FileError::Read)?;
        let path = dir.path().join("f.yml");
        std::fs::write(&path, "a: 1\n").map_err(FileError::Read)?;
        assert_eq!(read_file(&path, 5)?, "a: 1\n");
        let refused = read_file(&path, 4).err().map(|e| e.to_string());
        assert_eq!(refused.as_deref(), Some("larger than 4 bytes"));
        std::fs::write(&path, [0xff, 0xfe]).map_err(FileError::Read)?;
        assert!(matches!(read_file(&path, 5), Err(FileError::Read(_))));
        let missing = read_file(&dir.path().join("missing.yml"), 5);
        assert!(
            matches!(missing, Err(FileError::Read(e)) if e.kind() == std::io::ErrorKind::NotFound)
        );
        Ok(())
    }
}
