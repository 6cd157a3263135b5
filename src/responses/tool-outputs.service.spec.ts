import { dtoOf, eventsOf, objectOf, outputText, type ServiceContext, startServiceContext, STAYS } from '../../test/support/service-context';
import { CreateResponseDto } from './dto/create-response.dto';
import { SubmitToolOutputsDto } from './dto/submit-tool-outputs.dto';
import { ResponsesService } from './responses.service';
import { ToolOutputsService } from './tool-outputs.service';

/** Medium tests: a response that called tools goes on in place once their outputs are submitted. */
describe('ToolOutputsService', () => {
  let context: ServiceContext;
  let responses: ResponsesService;
  let toolOutputs: ToolOutputsService;
  const WEATHER = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

  const callingResponse = async (input: string) => {
    const dto = await dtoOf(CreateResponseDto, { model: 'stub-model', input, tools: [WEATHER] });
    return objectOf(await responses.create('tenant-a', dto, STAYS));
  };
  const submit = async (id: string, body: Record<string, unknown>) => toolOutputs.submit('tenant-a', id, await dtoOf(SubmitToolOutputsDto, body), STAYS);

  beforeAll(async () => {
    context = await startServiceContext();
    responses = context.app.get(ResponsesService);
    toolOutputs = context.app.get(ToolOutputsService);
  });
  afterAll(() => context.close());

  it('continues the same response with the output, and the model is given the call and its output', async () => {
    const calling = await callingResponse('CALL get_weather {"city":"Paris"}');
    const [call] = calling.output as Array<{ type: string; call_id: string }>;
    expect(call.type).toBe('function_call');
    const continued = objectOf(await submit(calling.id, { tool_call_id: call.call_id, output: 'Sunny, 21 °C' }));
    expect(continued.id).toBe(calling.id);
    expect(continued.status).toBe('completed');
    expect(outputText(continued)).toBe('The tool said: Sunny, 21 °C');
    expect(await responses.retrieve('tenant-a', calling.id)).toEqual(continued);
    const sent = context.stub.requests.at(-1)!.messages as Array<{ role: string; tool_call_id?: string }>;
    expect(sent.slice(-2).map((message) => message.role)).toEqual(['assistant', 'tool']);
    expect(sent.at(-1)!.tool_call_id).toBe(call.call_id);
  });

  it('goes on only once every parallel call is answered, and streams the continuation', async () => {
    const calling = await callingResponse('CALL2');
    const calls = calling.output as Array<{ call_id: string }>;
    expect(calls).toHaveLength(2);
    const requestsBefore = context.stub.requests.length;
    const partial = objectOf(await submit(calling.id, { tool_call_id: calls[0].call_id, output: 'Paris: sunny' }));
    expect(partial.status).toBe('completed');
    expect(context.stub.requests.length).toBe(requestsBefore);
    const events = await eventsOf(await submit(calling.id, { tool_call_id: calls[1].call_id, output: 'Tokyo: rain', stream: true }));
    expect(events[0].type).toBe('response.in_progress');
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(context.stub.requests.length).toBe(requestsBefore + 1);
  });

  it('refuses an unknown call, and an output submitted twice, naming the field', async () => {
    const calling = await callingResponse('CALL get_weather {}');
    const [call] = calling.output as Array<{ call_id: string }>;
    await expect(submit(calling.id, { tool_call_id: 'call_nope', output: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_tool_call_id',
      param: 'tool_call_id',
    });
    await submit(calling.id, { tool_outputs: [{ tool_call_id: call.call_id, output: 'first' }] });
    await expect(submit(calling.id, { tool_outputs: [{ tool_call_id: call.call_id, output: 'again' }] })).rejects.toMatchObject({
      status: 409,
      code: 'tool_output_already_submitted',
      param: 'tool_outputs[0].tool_call_id',
    });
    await expect(submit('resp_nope', { tool_call_id: call.call_id, output: 'x' })).rejects.toMatchObject({ status: 404, code: 'response_not_found' });
  });
});
