// One jest run for the whole workspace. Integration tests create and drop their own PostgreSQL
// databases and start their own dev broker, so test files never share state.
const fs = require('fs');
const path = require('path');

const swcConfig = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcConfig.$schema;

/** Maps every workspace package `@budget-erp/<name>` to its TypeScript sources. */
function workspaceModules() {
  const map = {};
  for (const group of ['libs', 'tools']) {
    const dir = path.join(__dirname, group);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      if (fs.existsSync(path.join(dir, name, 'src', 'index.ts'))) {
        map[`^@budget-erp/${name}$`] = `<rootDir>/${group}/${name}/src/index.ts`;
      }
    }
  }
  return map;
}

module.exports = {
  testEnvironment: 'node',
  roots: ['libs', 'services', 'tools'].filter((dir) => fs.existsSync(path.join(__dirname, dir))).map((dir) => `<rootDir>/${dir}`),
  testMatch: ['**/?(*.)+(spec|test).ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // jose and NestJS 12 ship only ES modules; swc turns them into CommonJS for jest like our own sources.
  transform: { '^.+\\.(ts|js|mjs)$': ['@swc/jest', swcConfig] },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@nestjs)/)'],
  moduleNameMapper: workspaceModules(),
  testTimeout: 60000,
  maxWorkers: 2,
  setupFiles: ['reflect-metadata'],
  reporters: ['default', '<rootDir>/tools/ci/jest-summary-reporter.js'],
};
