#!/bin/sh
# sink.sh <dir> <server>: one connection of the interop suite's one-way
# server (socat runs it per connection): everything read until EOF goes to a
# new file <dir>/<server>.XXXXXX; nothing is answered
exec cat >"$(mktemp -p "$1" "$2.XXXXXX")"
