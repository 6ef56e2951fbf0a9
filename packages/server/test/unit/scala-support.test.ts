/** Every session's driver is launched ready for Scala (driver/scala-support.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import { replClassDir, withScalaSupport } from '../../src/driver/scala-support.ts';

describe('withScalaSupport', () => {
  const cfg = defaultConfig();
  cfg.spark.scalaHelperJar = '/opt/sparkport/sparkport-scala.jar';

  test('adds the helper jar and the REPL class directory', () => {
    const args = withScalaSupport(['--master', 'local[2]', '--conf', 'a=b'], cfg, '/data/sessions/3');
    assert.deepEqual(args, [
      '--master', 'local[2]', '--conf', 'a=b',
      '--jars', '/opt/sparkport/sparkport-scala.jar',
      '--conf', 'spark.repl.class.outputDir=/data/sessions/3/repl-classes',
    ]);
    assert.equal(replClassDir('/data/sessions/3'), '/data/sessions/3/repl-classes');
  });

  test("the helper goes first in the user's --jars, which stay", () => {
    const args = withScalaSupport(['--name', '--jars', '--jars', 'hdfs:///a.jar'], cfg, '/w');
    assert.deepEqual(args.slice(0, 4), ['--name', '--jars', '--jars', '/opt/sparkport/sparkport-scala.jar,hdfs:///a.jar']);
    assert.equal(args.filter((a) => a === '--jars').length, 2, 'a value that looks like a flag is left alone');
  });

  test('an empty helper path leaves the jars alone', () => {
    const c = defaultConfig();
    c.spark.scalaHelperJar = '';
    assert.deepEqual(withScalaSupport(['--master', 'local'], c, '/w'), ['--master', 'local', '--conf', 'spark.repl.class.outputDir=/w/repl-classes']);
  });
});
