# The steps the build scripts share, sourced by them after they set BUILD_NAME (what `say` prefixes).

say() { printf '%s: %s\n' "$BUILD_NAME" "$*" >&2; }

# When the cache is complete (its marker is there), says so, prints the folder on stdout and exits.
exit_if_cached() {
  local marker=$1 folder=$2 what=$3
  [ -f "$marker" ] || return 0
  say "using cached $what in $folder"
  echo "$folder"
  exit 0
}

require_go() {
  command -v go >/dev/null 2>&1 || { say "error: Go is not installed; $1"; exit 1; }
}

# Downloads module@version from the Go module proxy into its cache, its `go mod download -json` in $2.
download_module() {
  local module=${1%@*} version=${1#*@}
  if ! go mod download -json "$1" > "$2" 2> download.err; then
    say "error: could not download $module $version from the Go module proxy ($(go env GOPROXY)):"
    sed 's/^/  /' download.err >&2
    exit 1
  fi
}

# go mod tidy, its errors printed when it fails.
tidy_modules() {
  go mod tidy -e 2> tidy.err || { sed 's/^/  /' tidy.err >&2; exit 1; }
}

# The -ldflags of a Kubernetes component, stamped with the release as Kubernetes' own build does.
kubernetes_ldflags() {
  local version_pkg=k8s.io/component-base/version
  echo "-s -w -X ${version_pkg}.gitVersion=v$1 -X ${version_pkg}.gitMajor=1 -X ${version_pkg}.gitMinor=$(echo "$1" | cut -d. -f2) -X ${version_pkg}.gitTreeState=clean"
}
