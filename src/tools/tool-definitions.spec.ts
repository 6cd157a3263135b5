import { checkToolChoice, checkTools } from './tool-definitions';

describe('checkTools', () => {
  it('accepts both the flat and the nested form and returns the flat one', () => {
    const result = checkTools([
      { type: 'function', name: 'a', parameters: { type: 'object', properties: {} } },
      { type: 'function', function: { name: 'get_time', description: 'Now', parameters: { type: 'object' } } },
    ]);
    expect(result).toEqual({
      value: [
        { type: 'function', name: 'a', description: null, parameters: { type: 'object', properties: {} }, strict: null },
        { type: 'function', name: 'get_time', description: 'Now', parameters: { type: 'object' }, strict: null },
      ],
    });
  });

  it.each([
    [[{ type: 'function', parameters: {} }], 'tools[0].name', /missing its 'name'/],
    [[{ type: 'function', name: 'x' }, { type: 'function', function: { name: 'x' } }], 'tools[1].function.name', /'x' is defined twice/],
    [[{ type: 'function', name: 'x', parameters: { type: 'string' } }], 'tools[0].parameters', /'x'.*JSON Schema object/],
    [[{ type: 'function', name: 'x', parameters: [] }], 'tools[0].parameters', /'x'/],
    [[{ type: 'web_search' }], 'tools[0].type', /not supported/],
  ])('names the tool and the field in errors (%#)', (tools, param, message) => {
    const result = checkTools(tools) as { param: string; message: string };
    expect(result.param).toBe(param);
    expect(result.message).toMatch(message);
  });
});

describe('checkToolChoice', () => {
  it('accepts the modes and both function forms', () => {
    expect(checkToolChoice('required')).toEqual({ value: 'required' });
    expect(checkToolChoice({ type: 'function', name: 'f' })).toEqual({ value: { type: 'function', name: 'f' } });
    expect(checkToolChoice({ type: 'function', function: { name: 'f' } })).toEqual({ value: { type: 'function', name: 'f' } });
    expect(checkToolChoice('sometimes')).toMatchObject({ param: 'tool_choice' });
  });

  it('accepts allowed_tools, naming the field at fault otherwise', () => {
    const allowed = { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'f' }] };
    expect(checkToolChoice(allowed)).toEqual({ value: allowed });
    expect(checkToolChoice({ ...allowed, mode: 'none' })).toMatchObject({ param: 'tool_choice.mode' });
    expect(checkToolChoice({ ...allowed, tools: [] })).toMatchObject({ param: 'tool_choice.tools' });
    expect(checkToolChoice({ ...allowed, tools: [{ type: 'function' }] })).toMatchObject({ param: 'tool_choice.tools[0]' });
  });
});
