/**
 * `npm run doctor`: one line per check, exit 1 when any fails (2 when the configuration
 * itself is invalid, with every bad key listed).
 */
import { readConfigOrExit } from './read-config.js';
import { EXIT } from './exit-codes.js';
import { diagnoseSetup } from '../services/health/diagnose-setup.js';

const config = readConfigOrExit();
const results = await diagnoseSetup(config);
for (const result of results) {
  console.log(`${!result.ok ? 'FAIL' : result.warn ? 'WARN' : 'ok  '} ${result.name}: ${result.detail}`);
}
const failed = results.filter((result) => !result.ok).length;
const warned = results.filter((result) => result.ok && result.warn).length;
console.log(
  failed
    ? `${failed} check(s) failed.`
    : warned
      ? `All checks passed, ${warned} with a warning.`
      : 'All checks passed.',
);
process.exit(failed ? EXIT.failure : EXIT.ok);
