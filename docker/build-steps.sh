#!/usr/bin/env bash
# Run docker/Dockerfile's build steps without a container engine, against a fresh clone.
#
#   bash docker/build-steps.sh            # the committed HEAD of this repository
#   bash docker/build-steps.sh REF        # another commit or branch
#
# Where no container engine runs (a `docker` client alone cannot build), this is the check
# that the image's steps work: the Dockerfile is read line by line, ENV / WORKDIR / COPY / RUN
# are carried out in order inside a scratch directory that stands for the image's root (its
# absolute paths, /app and /opt/venv, are moved under it), FROM / ENTRYPOINT / CMD are
# skipped, and the RUN that installs system packages (apt-get, pip install uv) is skipped:
# that is the base image's business (python:3.10-slim); here gcc, Python 3.10 and uv must
# already be present (.ci/uv installs uv). The clone is made with git from this repository,
# so only what is committed is built, less what .dockerignore excludes (as an engine's build
# context: the demo private keys never reach the image). The scratch directory is removed at
# the end.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ref="${1:-HEAD}"
stage="$(mktemp -d /tmp/qnf-image.XXXXXX)"
trap 'rm -rf "$stage"' EXIT
export PATH="$HOME/.local/bin:$PATH"
command -v uv >/dev/null || bash "$here/.ci/uv" --version >/dev/null
command -v gcc >/dev/null || { echo "gcc missing (the image installs build-essential)" >&2; exit 1; }

git clone --quiet --no-checkout "$here" "$stage/src"
git -C "$stage/src" checkout --quiet "$(git -C "$here" rev-parse "$ref")"

# The build context is the clone less what .dockerignore excludes, as a container engine sends
# it (patterns relative to the root, `**` any depth; `!` exceptions are not supported here).
shopt -s globstar dotglob nullglob
while IFS= read -r pattern || [[ -n "$pattern" ]]; do
    pattern="${pattern%%#*}"
    pattern="${pattern%"${pattern##*[![:space:]]}"}"
    [[ -z "$pattern" ]] && continue
    [[ "$pattern" == !* ]] && { echo ".dockerignore: exceptions (!) unsupported" >&2; exit 1; }
    for match in "$stage/src"/${pattern#/}; do
        [[ "$match" == "$stage/src/.git" || "$match" == "$stage/src/.git/"* ]] && continue
        [[ -e "$match" || -L "$match" ]] || continue
        rm -rf "$match"
        echo "ignore ${match#"$stage/src/"}"
    done
done < "$stage/src/.dockerignore"
shopt -u globstar dotglob nullglob
root="$stage/root"
mkdir -p "$root"
workdir="$root"

remap() {  # the image's absolute paths, moved under the scratch root
    local text="$1"
    text="${text//\/opt\/venv/$root/opt/venv}"
    text="${text// \/app/ $root/app}"
    printf '%s' "$text"
}

# Dockerfile lines with their continuations joined
mapfile -t steps < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$stage/src/docker/Dockerfile" \
    | grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$')

for step in "${steps[@]}"; do
    instruction="${step%% *}"
    args="${step#* }"
    case "$instruction" in
        FROM|ENTRYPOINT|CMD)
            echo "skip   $instruction $args"
            ;;
        ENV)
            for assignment in $args; do
                name="${assignment%%=*}"
                value="$(remap "${assignment#*=}")"
                export "$name=$(eval "printf '%s' \"$value\"")"
                echo "env    $name=${!name}"
            done
            ;;
        WORKDIR)
            workdir="$root$args"
            mkdir -p "$workdir"
            echo "workdir $workdir"
            ;;
        COPY)
            read -r -a parts <<<"$args"
            dest="${parts[-1]}"
            unset 'parts[-1]'
            [[ "$dest" = /* ]] && target="$root$dest" || target="$workdir/$dest"
            for source in "${parts[@]}"; do
                if [[ "$dest" == */ ]]; then
                    mkdir -p "$target"
                    cp -r "$stage/src/$source" "$target"
                else
                    cp -r "$stage/src/$source" "$target"
                fi
            done
            echo "copy   ${parts[*]} -> $target"
            ;;
        RUN)
            if [[ "$args" == *apt-get* ]]; then
                echo "skip   RUN (system packages: the base image's business) $args"
                continue
            fi
            echo "run    $args"
            (cd "$workdir" && bash -ec "$args")
            ;;
        *)
            echo "unknown Dockerfile instruction: $instruction" >&2
            exit 1
            ;;
    esac
done
echo "ok: every build step of docker/Dockerfile ran against a fresh clone ($(git -C "$stage/src" rev-parse --short HEAD))"
