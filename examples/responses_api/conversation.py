"""A conversation kept by the server: each turn sends only the new message; the server gives the model the
conversation so far and adds the turn to it.

    pip install openai
    python examples/responses_api/conversation.py "My name is Ada." "What is my name?"

OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server.
"""
import os
import sys

from openai import OpenAI


def conversation(client: OpenAI, model: str, messages: list[str]) -> list[str]:
    conv = client.conversations.create(metadata={"example": "conversation"})
    answers = []
    for message in messages:
        response = client.responses.create(model=model, conversation=conv.id, input=message)
        print(f"> {message}\n{response.output_text}")
        answers.append(response.output_text)
    # The whole conversation, oldest first: each message, then the answer to it.
    for item in client.conversations.items.list(conv.id, order="asc"):
        if item.type == "message":
            print(f"[{item.role}] " + "".join(getattr(part, "text", "") for part in item.content))
    client.conversations.delete(conv.id)
    return answers


if __name__ == "__main__":
    client = OpenAI(
        base_url=os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1"),
        api_key=os.environ.get("OPENAI_API_KEY", "not-needed-when-auth-is-off"),
    )
    model = os.environ.get("MODEL", "gpt-4o-mini")
    conversation(client, model, sys.argv[1:] or ["My name is Ada.", "What is my name?"])
