//! Compiles every definition file under `rules/` into the binary, so adding
//! a rule or signal file needs no code change; and stamps the build with
//! what `--version` tells: the built-in rule set's content hash and the git
//! commit the binary was built from.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from("[\n");
    let mut version = Fnv1a::new();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .strip_prefix(&root)
            .expect("under rules/")
            .to_string_lossy()
            .replace('\\', "/");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
        let bytes = fs::read(path).expect("read a definition file");
        version.file(&name, &bytes);
    }
    out.push(']');
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin_definitions.rs");
    fs::write(dest, out).expect("write generated list");
    println!(
        "cargo:rustc-env=HBDIAG_RULES_VERSION={:08x}",
        version.0 >> 32
    );
    println!("cargo:rustc-env=HBDIAG_GIT_COMMIT={}", git_commit());
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
}

/// 64-bit FNV-1a over every built-in file's name (relative to `rules/`, `/`
/// separated), a NUL, its length (8 bytes, little-endian) and its bytes, in
/// path order: `definitions::RULES_VERSION` is its top 32 bits, and the
/// library's tests recompute it the same way.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn file(&mut self, name: &str, bytes: &[u8]) {
        self.bytes(name.as_bytes());
        self.bytes(&[0]);
        self.bytes(&(bytes.len() as u64).to_le_bytes());
        self.bytes(bytes);
    }
}

/// The short hash of HEAD, `+dirty` when tracked files differ from it, or
/// `unknown` outside a git checkout or without git: never a build failure.
/// The build script re-runs when HEAD moves, the branch it points to gets a
/// commit, or the index or `src/` changes (which is when dirtiness can).
fn git_commit() -> String {
    let Some(hash) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown".into();
    };
    watch_git_state();
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|status| !status.is_empty());
    if dirty { format!("{hash}+dirty") } else { hash }
}

fn watch_git_state() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    // git prints these relative to the crate's folder, or absolute.
    let dir = |what: &str| git(&["rev-parse", what]).map(|d| manifest.join(d));
    let mut watched = vec![manifest.join("src")];
    if let Some(git_dir) = dir("--git-dir") {
        watched.extend([git_dir.join("HEAD"), git_dir.join("index")]);
    }
    if let (Some(common), Some(head_ref)) = (
        dir("--git-common-dir"),
        git(&["symbolic-ref", "-q", "HEAD"]),
    ) {
        watched.extend([common.join(head_ref), common.join("packed-refs")]);
    }
    // A path that does not exist would re-run the script on every build.
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// `git ARGS` in the crate's folder: its trimmed output, or `None` when git
/// is missing or fails.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
