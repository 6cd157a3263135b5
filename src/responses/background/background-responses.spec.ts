import { dtoOf, objectOf, outputText, type ServiceContext, startServiceContext, STAYS } from '../../../test/support/service-context';
import { waitFor } from '../../../test/support/sse';
import { CreateResponseDto } from '../dto/create-response.dto';
import { ResponsesService } from '../responses.service';

/** Medium tests: background responses are queued with their job, run by a worker, and cancelled. */
describe('BackgroundResponses', () => {
  const queue = async (responses: ResponsesService, input: string) =>
    objectOf(await responses.create('tenant-a', await dtoOf(CreateResponseDto, { model: 'stub-model', input, background: true }), STAYS));

  describe('with a worker', () => {
    let context: ServiceContext;
    let responses: ResponsesService;
    beforeAll(async () => {
      context = await startServiceContext();
      responses = context.app.get(ResponsesService);
    });
    afterAll(() => context.close());

    it('answers queued at once, then the worker runs it to completion', async () => {
      const queued = await queue(responses, 'In the background');
      expect(queued).toMatchObject({ status: 'queued', background: true, output: [] });
      const done = await waitFor(async () => {
        const now = await responses.retrieve('tenant-a', queued.id);
        return now.status === 'completed' ? now : undefined;
      });
      expect(outputText(done)).toBe('Hello! You said: In the background');
    });

    it('cancels a running job: the upstream call stops and the response ends cancelled', async () => {
      const requestsBefore = context.stub.requests.length;
      const abortedBefore = context.stub.aborted;
      const queued = await queue(responses, 'TOKENS 400 20');
      await waitFor(async () => (context.stub.requests.length > requestsBefore ? true : undefined));
      expect((await responses.cancel('tenant-a', queued.id)).status).toBe('cancelled');
      await waitFor(async () => (context.stub.aborted > abortedBefore ? true : undefined));
      expect((await responses.retrieve('tenant-a', queued.id)).status).toBe('cancelled');
    });
  });

  describe('with no worker', () => {
    let context: ServiceContext;
    let responses: ResponsesService;
    beforeAll(async () => {
      context = await startServiceContext({ JOB_CONCURRENCY: '0', MAX_QUEUED_JOBS: '1' });
      responses = context.app.get(ResponsesService);
    });
    afterAll(() => context.close());

    it('cancels a queued job at once, and refuses a job beyond MAX_QUEUED_JOBS with a retry hint', async () => {
      const waiting = await queue(responses, 'waits');
      await expect(queue(responses, 'one too many')).rejects.toMatchObject({ status: 429, retryAfter: expect.any(Number) });
      expect(await responses.cancel('tenant-a', waiting.id)).toMatchObject({ status: 'cancelled' });
      expect(context.stub.requests).toHaveLength(0);
      // Cancelling again answers the response as it ended.
      expect((await responses.cancel('tenant-a', waiting.id)).status).toBe('cancelled');
    });
  });
});
