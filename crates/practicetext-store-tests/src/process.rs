//! Worker processes for the tests that need real OS processes (several app
//! servers racing, a process killed mid-write): the test binary runs
//! itself again, running only the one test, with a role in an environment
//! variable. The test function starts by asking [`role`]: in a worker it
//! does the worker's job and returns; in the parent it spawns workers.
//!
//! Workers talk to the parent in lines: the parent writes commands to a
//! worker's stdin ([`Worker::tell`]); a worker answers with [`report`]
//! lines on stdout, which start with `@` so the test harness's own output
//! is told apart.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

/// The environment variable holding a worker's role.
pub const ROLE: &str = "PRACTICETEXT_TEST_ROLE";

/// How long the parent waits for a worker's next report.
const PATIENCE: Duration = Duration::from_secs(60);

/// This process's role, when it is a worker.
pub fn role() -> Option<String> {
    std::env::var(ROLE).ok()
}

/// A worker's environment variable (set by the parent), e.g. the schema.
pub fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("the parent sets {name}"))
}

/// In a worker: tells the parent `line`.
pub fn report(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "@{line}").unwrap();
    out.flush().unwrap();
}

/// In a worker: the parent's commands, one per line, until it closes
/// stdin.
pub fn commands() -> impl Iterator<Item = String> {
    std::io::stdin().lines().map_while(Result::ok)
}

/// A worker process seen from the parent.
pub struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    reports: Receiver<String>,
}

impl Worker {
    /// Runs this test binary again, running only `test` (its full name in
    /// the binary) as `role`, with `env` set.
    pub fn spawn(test: &str, role: &str, env: &[(&str, &str)]) -> Worker {
        let exe = std::env::current_exe().unwrap();
        let mut cmd = Command::new(exe);
        cmd.args([test, "--exact", "--nocapture", "--test-threads=1", "-q"])
            .env(ROLE, role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, reports) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(report) = line.strip_prefix('@')
                    && send.send(report.to_owned()).is_err()
                {
                    break;
                }
            }
        });
        Worker {
            stdin: child.stdin.take(),
            child,
            reports,
        }
    }

    /// Sends the worker a command line.
    pub fn tell(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("the worker's stdin is open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// The worker's next report; `None` once it exited (or was killed) and
    /// every report it wrote was read.
    pub fn next_report(&mut self) -> Option<String> {
        match self.reports.recv_timeout(PATIENCE) {
            Ok(line) => Some(line),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!("a worker said nothing for {PATIENCE:?}"),
        }
    }

    /// The next report, which must be there.
    pub fn expect_report(&mut self) -> String {
        self.next_report().expect("the worker exited early")
    }

    /// Kills the worker at once (SIGKILL on Unix) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Closes the worker's stdin (its command loop ends) and waits for it
    /// to exit successfully.
    pub fn finish(mut self) {
        drop(self.stdin.take());
        while self.next_report().is_some() {}
        let status = self.child.wait().unwrap();
        assert!(status.success(), "a worker failed: {status}");
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
