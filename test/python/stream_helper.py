"""The Python SDK's stream helper against the server: a streamed answer, then a tool call and its continuation.
Prints one JSON line of what a user would check."""
import json
import os

from openai import OpenAI

client = OpenAI(base_url=os.environ["OPENAI_BASE_URL"], api_key="test-key", max_retries=0)
GET_TIME = {"type": "function", "name": "get_time", "description": "The time now", "parameters": {"type": "object", "properties": {}}}

deltas = []
with client.responses.stream(model="stub-model", input="TOKENS 4 150") as stream:
    for event in stream:
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)
    text = stream.get_final_response()

with client.responses.stream(model="stub-model", input="What time is it?", tools=[GET_TIME]) as stream:
    for event in stream:
        pass
    asked = stream.get_final_response()
call = next(item for item in asked.output if item.type == "function_call")
answered = client.responses.create(
    model="stub-model",
    previous_response_id=asked.id,
    input=[{"type": "function_call_output", "call_id": call.call_id, "output": "18:42"}],
)
print(json.dumps({"deltas": "".join(deltas), "text": text.output_text, "call": call.name, "answer": answered.output_text}))
