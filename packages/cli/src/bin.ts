import { main } from './main.ts';

main(process.argv.slice(2)).then((code) => {
  // Let stdout drain before leaving: scripts read it through a pipe.
  process.stdout.write('', () => process.exit(code));
});
