// Builder step: gives every compiled workspace package a manifest whose entry is JavaScript, and
// copies the non-TypeScript files of each src/ folder (JSON, SQL, templates) beside the output.
const fs = require('node:fs');
const path = require('node:path');

const [repo, out] = process.argv.slice(2);
const root = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));

for (const pattern of root.workspaces) {
  const group = pattern.replace(/\/\*$/, '');
  const groupDir = path.join(repo, group);
  if (!fs.existsSync(groupDir)) continue;
  for (const name of fs.readdirSync(groupDir)) {
    const manifestPath = path.join(groupDir, name, 'package.json');
    if (!fs.existsSync(manifestPath)) continue;
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    if (typeof manifest.main === 'string') manifest.main = manifest.main.replace(/\.ts$/, '.js');
    delete manifest.devDependencies;
    const target = path.join(out, group, name);
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, 'package.json'), JSON.stringify(manifest, null, 2));
    copyAssets(path.join(groupDir, name, 'src'), path.join(target, 'src'));
  }
}

function copyAssets(from, to) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyAssets(source, target);
    else if (!entry.name.endsWith('.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}
