# Sourced by bin/setup, bin/test and bin/demo: which test leg this machine is,
# from its Debian release, and the per-leg build locations.
#   debian12: the host (Ruby 3.1, Rails 6.1), Rust from rustup
#   debian13: the Debian 13 root of bin/debian13 (Ruby 3.3, Rails 7.2), Debian's Rust
detect_leg() {
  local version=""
  [ -r /etc/os-release ] && version=$(. /etc/os-release && echo "${VERSION_ID:-}")
  case "$version" in
    12) echo debian12 ;;
    13) echo debian13 ;;
    *) echo "unsupported (Debian '${version:-unknown}')" ;;
  esac
}

TOKEN_OXIDE_LEG=$(detect_leg)
export TOKEN_OXIDE_LEG

# rustup installs here; a non-login shell may not have it on PATH yet.
if [ "$TOKEN_OXIDE_LEG" = debian12 ] && ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  . "$HOME/.cargo/env"
fi

# The legs share the checkout (the root bind-mounts it), so each keeps its own
# cargo output: the toolchains differ and would rebuild each other's.
if [ "$TOKEN_OXIDE_LEG" = debian13 ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/debian13}"
fi
