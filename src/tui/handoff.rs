//! Handing things to the world outside the terminal UI: a console address to the browser
//! (`$BROWSER`, else `open` on macOS and `xdg-open` elsewhere, detached, never waited for), and
//! text to the clipboard with OSC 52 — which terminals (and tmux with `set-clipboard on`)
//! honour even over SSH, where no local clipboard tool could reach the person's machine.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine as _;

/// The escape sequence that puts `text` on the system clipboard.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

/// Writes the OSC 52 sequence for `text` to the terminal.
pub fn copy(text: &str, terminal: &mut dyn Write) {
    if let Err(e) = terminal
        .write_all(osc52(text).as_bytes())
        .and_then(|()| terminal.flush())
    {
        tracing::warn!("cannot write the clipboard sequence: {e}");
    }
}

/// Opens `url` in the browser without waiting; says why not when it cannot.
pub fn open(url: &str) -> Result<(), String> {
    let opener = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| {
            if cfg!(target_os = "macos") {
                "open".to_string()
            } else {
                "xdg-open".to_string()
            }
        });
    let mut child = Command::new(&opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {opener} ({e}): the address is on the message line"))?;
    // Reaped off the UI thread (an opener that exits at once would otherwise linger as a zombie).
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(
            osc52("aws deploy get-deployment --deployment-id d-1"),
            "\x1b]52;c;YXdzIGRlcGxveSBnZXQtZGVwbG95bWVudCAtLWRlcGxveW1lbnQtaWQgZC0x\x07"
        );
    }
}
