import { startAsteriskSimulator } from './index';

/** npm run simulator -- [--port 8088]: the simulator alone, for poking at ARI by hand. */
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8088;
const sim = await startAsteriskSimulator({ port });
sim.setPhone('rx1', { kind: 'answer', afterMs: 1000 });
sim.setPhone('rx2', { kind: 'answer', afterMs: 2000 });
console.log(`Asterisk 22 simulator: ARI at ${sim.url}/ari (user asterisk, password asterisk); control API at ${sim.url}/sim`);
process.on('SIGINT', () => void sim.close().then(() => process.exit(0)));
