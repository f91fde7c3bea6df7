#!/usr/bin/env bash
# Formats every Swift file with swift-format (part of the Swift toolchain) and the
# repository's .swift-format: 4-space indentation, 120 columns. CI runs the same tool in
# lint mode (`.ci/run`), so a change that is not formatted fails there.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format format --in-place --recursive --parallel Sources Tests Plugins Package.swift
swift format lint --strict --recursive --parallel Sources Tests Plugins Package.swift
