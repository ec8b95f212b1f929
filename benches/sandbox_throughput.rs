//! Sandbox benchmark (`cargo bench --bench sandbox_throughput`; prints figures):
//! 1. GetAlias requests per second, the server on one core (a current-thread runtime on its own
//!    thread) and raw keep-alive HTTP/1.1 clients on another; goal ≥ 5,000 req/s.
//! 2. Resident memory while the `fleet` scenario runs a simulated day (it must stay bounded:
//!    metric and log retention windows, capped samples and events).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rollwatch::sandbox::{Sandbox, SandboxConfig};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const CONNECTIONS: usize = 16;
const RUN: Duration = Duration::from_secs(4);

fn config(scenario: &str) -> SandboxConfig {
    SandboxConfig::loopback(scenario).speed(0.0)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// One keep-alive connection sending GetAlias until the deadline; returns (requests, bytes).
async fn client(addr: String, deadline: Instant) -> (u64, u64) {
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let request = format!(
        "GET /2015-03-31/functions/orders-api/aliases/live HTTP/1.1\r\nHost: {addr}\r\nx-amz-date: 20260101T000000Z\r\nauthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=0\r\n\r\n"
    );
    let (mut count, mut bytes) = (0u64, 0u64);
    let mut line = String::new();
    let mut body = Vec::new();
    while Instant::now() < deadline {
        write.write_all(request.as_bytes()).await.unwrap();
        let mut length = 0usize;
        loop {
            line.clear();
            read.read_line(&mut line).await.unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        body.resize(length, 0);
        read.read_exact(&mut body).await.unwrap();
        assert!(body.starts_with(b"{\"AliasArn\""), "unexpected reply");
        count += 1;
        bytes += length as u64;
    }
    (count, bytes)
}

fn throughput() {
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let sandbox = Sandbox::start(config("calm")).await.unwrap();
            tx.send(sandbox.endpoint()).unwrap();
            let _ = stop_rx.await;
            sandbox.shutdown().await;
        });
    });
    let endpoint = rx.recv().unwrap();
    let addr = endpoint.trim_start_matches("http://").to_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    let (count, bytes) = rt.block_on(async {
        let deadline = Instant::now() + RUN;
        let tasks: Vec<_> = (0..CONNECTIONS)
            .map(|_| tokio::spawn(client(addr.clone(), deadline)))
            .collect();
        let mut totals = (0, 0);
        for t in tasks {
            let (c, b) = t.await.unwrap();
            totals.0 += c;
            totals.1 += b;
        }
        totals
    });
    let secs = start.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    server.join().unwrap();
    let rate = count as f64 / secs;
    println!(
        "GetAlias throughput: {rate:.0} req/s ({count} requests in {secs:.1} s, {CONNECTIONS} keep-alive connections, server on one core, {} B per reply) — goal >= 5000: {}",
        bytes / count.max(1),
        if rate >= 5000.0 { "met" } else { "NOT met" }
    );
}

fn memory() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let before = rss_mib();
        let sandbox = Sandbox::start(config("fleet")).await.unwrap();
        println!(
            "fleet: RSS {before:.1} MiB before start, {:.1} MiB after start",
            rss_mib()
        );
        let started = Instant::now();
        for hour in 1..=24 {
            sandbox.advance(3600.0);
            if [1, 3, 6, 12, 24].contains(&hour) {
                println!(
                    "fleet: simulated {hour:>2} h in {:>5.1} s real, RSS {:.1} MiB",
                    started.elapsed().as_secs_f64(),
                    rss_mib()
                );
            }
        }
        let events = sandbox.events().len();
        println!(
            "fleet: one simulated day took {:.1} s; ground-truth events kept: {events}",
            started.elapsed().as_secs_f64()
        );
        sandbox.shutdown().await;
    });
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    throughput();
    memory();
}
