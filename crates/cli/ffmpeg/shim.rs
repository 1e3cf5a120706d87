//! `framecast ffmpeg-shim DIR`: a link named `ffmpeg` to this binary, and how to use it.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

/// Creates `dir/ffmpeg` pointing at the running binary (replacing an earlier link, never a
/// real file) and prints the settings for matplotlib, imageio and MoviePy on stdout.
pub(crate) fn create(dir: &Path) -> anyhow::Result<()> {
    let exe =
        std::env::current_exe().context("finding the path of the running framecast binary")?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating directory '{}'", dir.display()))?;
    let link = dir.join(if cfg!(windows) {
        "ffmpeg.exe"
    } else {
        "ffmpeg"
    });
    match std::fs::symlink_metadata(&link) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::remove_file(&link)
                .with_context(|| format!("replacing the old link '{}'", link.display()))?;
        }
        Ok(_) => bail!(
            "'{}' exists and is not a link (a real ffmpeg?); framecast leaves it alone: choose another directory",
            link.display()
        ),
        Err(_) => {}
    }
    make_link(&exe, &link)?;
    let shown = link.display().to_string();
    let quoted = shown.replace('\'', "'\\''");
    let text = format!(
        "created {shown} -> {exe}\n\
         Point each library at it (or put {dir} first on PATH):\n  \
         matplotlib: import matplotlib; matplotlib.rcParams['animation.ffmpeg_path'] = r'{shown}'\n  \
         imageio:    export IMAGEIO_FFMPEG_EXE='{quoted}'   # or os.environ['IMAGEIO_FFMPEG_EXE'] = r'{shown}' before importing imageio\n  \
         MoviePy:    export FFMPEG_BINARY='{quoted}'        # or os.environ['FFMPEG_BINARY'] = r'{shown}' before importing moviepy\n",
        exe = exe.display(),
        dir = dir.display(),
    );
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

#[cfg(unix)]
fn make_link(exe: &Path, link: &Path) -> anyhow::Result<()> {
    std::os::unix::fs::symlink(exe, link).with_context(|| {
        format!(
            "creating the link '{}' -> '{}'",
            link.display(),
            exe.display()
        )
    })
}

#[cfg(not(unix))]
fn make_link(exe: &Path, link: &Path) -> anyhow::Result<()> {
    // Without symlink rights a copy works the same: framecast looks at its own file name.
    std::fs::copy(exe, link)
        .map(|_| ())
        .with_context(|| format!("copying '{}' to '{}'", exe.display(), link.display()))
}
