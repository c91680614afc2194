#!/usr/bin/env bash
# Installs cfn-lint from PyPI into a venv of its own, once per version, and prints the path of its
# command. npm test runs this before vitest so the cfn-lint test does not wait for pip; the test runs it
# again to find the command (at once, when it is installed).
set -euo pipefail
CFN_LINT_VERSION=1.58.0
VENV="${HOME}/.cache/eks-runner-autoscaler/cfn-lint-${CFN_LINT_VERSION}"
# Written last, so an install cut off half-way is never taken for a finished one.
INSTALLED="${VENV}/installed"
if [ ! -f "$INSTALLED" ]; then
  if ! command -v python3 > /dev/null; then
    echo "error: cfn-lint needs python3 (3.9 or later) with its venv module" >&2
    exit 1
  fi
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check "cfn-lint==${CFN_LINT_VERSION}" >&2
  touch "$INSTALLED"
fi
echo "${VENV}/bin/cfn-lint"
