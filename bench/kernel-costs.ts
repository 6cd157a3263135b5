import { fstatSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';

/**
 * What this machine's kernel charges for the work every gateway does per request and per streamed event: a system
 * call, and a round trip over loopback TCP (both ends in this process). VMs of one kind differ here by two or three
 * times from one day to the next while JavaScript runs at the same speed; printed with every table, these say which
 * kind of day a run had.
 */
export interface KernelCosts {
  systemCallUs: number;
  loopbackRoundTripUs: number;
}

const SYSTEM_CALLS = 20_000;
const ROUND_TRIPS = 5_000;

export async function measureKernelCosts(): Promise<KernelCosts> {
  for (let i = 0; i < SYSTEM_CALLS / 10; i++) fstatSync(1); // warm-up
  let started = performance.now();
  for (let i = 0; i < SYSTEM_CALLS; i++) fstatSync(1);
  const systemCallUs = ((performance.now() - started) * 1000) / SYSTEM_CALLS;

  const server = createServer((socket) => socket.on('data', (data) => socket.write(data)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const roundTrips = (count: number) =>
    new Promise<void>((resolve) => {
      let left = count;
      const echoed = () => {
        if (--left > 0) return void socket.write('x');
        socket.off('data', echoed);
        resolve();
      };
      socket.on('data', echoed);
      socket.write('x');
    });
  await roundTrips(ROUND_TRIPS / 10); // warm-up
  started = performance.now();
  await roundTrips(ROUND_TRIPS);
  const loopbackRoundTripUs = ((performance.now() - started) * 1000) / ROUND_TRIPS;
  socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  return { systemCallUs, loopbackRoundTripUs };
}
