/** The stub upstream as a process of its own, for the gateway benchmarks: `stub-server.ts <port>`. */
import { startStubUpstream } from '../test/support/stub-upstream';

startStubUpstream({ port: Number(process.argv[2]), recordRequests: false }).then(
  (stub) => console.log(`ready ${stub.baseURL}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
