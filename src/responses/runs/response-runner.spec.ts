import { lastValueFrom, take, toArray } from 'rxjs';

import { dtoOf, type ServiceContext, startServiceContext } from '../../../test/support/service-context';
import { waitFor } from '../../../test/support/sse';
import { withIds } from '../../common/openai/input-items';
import type { InputItem } from '../../common/openai/types';
import { ModelRegistry } from '../../models/model-registry.service';
import { ToolOffers } from '../../tools/tool-offers';
import { CreateResponseDto } from '../dto/create-response.dto';
import { ResponsesService } from '../responses.service';
import { generationRequest, newResponse, samplingOf } from './response-factory';
import { ResponseRunner, type RunKind, type RunSpec } from './response-runner';

/** Medium tests: what a run writes, and when, for its kind; what stopping and detaching do. */
describe('ResponseRunner', () => {
  let context: ServiceContext;
  let runner: ResponseRunner;
  let responses: ResponsesService;

  /** A run of a new response to `input`, as `ResponsesService.create` would start it. */
  async function spec(input: string, run: (items: InputItem[]) => RunKind, streamed = true): Promise<RunSpec> {
    const dto = await dtoOf(CreateResponseDto, { model: 'stub-model', input });
    const items = withIds([{ type: 'message', role: 'user', content: input }]);
    const response = newResponse(dto, run(items).kind !== 'ephemeral');
    const sampling = samplingOf(dto);
    return {
      tenantId: 'tenant-a',
      response,
      lastSequenceNumber: -1,
      request: generationRequest(response, sampling, items, context.app.get(ToolOffers).offer([])),
      sampling,
      backend: context.app.get(ModelRegistry).backendFor('stub-model'),
      streamed,
      run: run(items),
    };
  }
  const stored = (inputItems: InputItem[]): RunKind => ({ kind: 'stored', inputItems });
  const status = (id: string) => responses.retrieve('tenant-a', id).then((response) => response.status);

  beforeAll(async () => {
    context = await startServiceContext();
    runner = context.app.get(ResponseRunner);
    responses = context.app.get(ResponsesService);
  });
  afterAll(() => context.close());

  it('a streamed stored run can be read while it runs, and is written as it ended once settled', async () => {
    const run = await runner.start(await spec('TOKENS 20 10', stored));
    expect(await status(run.response.id)).toBe('in_progress');
    const events = await lastValueFrom(run.events.pipe(toArray()));
    await run.settled();
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(await status(run.response.id)).toBe('completed');
  });

  it('a stored run that is not streamed is written once, at its end', async () => {
    const run = await runner.start(await spec('TOKENS 5 10', stored, false));
    await expect(status(run.response.id)).rejects.toMatchObject({ status: 404 });
    await lastValueFrom(run.events, { defaultValue: undefined });
    expect(await status(run.response.id)).toBe('completed');
  });

  it('an ephemeral run writes nothing', async () => {
    const run = await runner.start(await spec('Hi', () => ({ kind: 'ephemeral' })));
    await lastValueFrom(run.events.pipe(toArray()));
    await run.settled();
    await expect(status(run.response.id)).rejects.toMatchObject({ status: 404 });
  });

  it('a consumer that leaves cancels the run: the backend stops and the response ends cancelled', async () => {
    const abortedBefore = context.stub.aborted;
    const run = await runner.start(await spec('TOKENS 400 10', stored));
    await lastValueFrom(run.events.pipe(take(5)));
    await run.settled();
    await waitFor(async () => (context.stub.aborted > abortedBefore ? true : undefined));
    expect(await status(run.response.id)).toBe('cancelled');
  });

  it('a detached run stops the backend and leaves the response as it was, for another worker to run again', async () => {
    const abortedBefore = context.stub.aborted;
    const run = await runner.start(await spec('TOKENS 400 10', stored));
    run.detach();
    await lastValueFrom(run.events.pipe(take(5)));
    await run.settled();
    await waitFor(async () => (context.stub.aborted > abortedBefore ? true : undefined));
    expect(await status(run.response.id)).toBe('in_progress');
  });

  it('a backend that refuses rejects the start, before any event, and leaves no response behind', async () => {
    const refused = await spec('HTTP 400', stored);
    await expect(runner.start(refused)).rejects.toMatchObject({ status: 400 });
    await expect(status(refused.response.id)).rejects.toMatchObject({ status: 404 });
  });
});
