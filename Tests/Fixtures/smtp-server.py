"""A real SMTP server for the notification tests: aiosmtpd on 127.0.0.1, each message written
to DIR as a JSON file (envelope sender, recipients, the raw message).

    python3 smtp-server.py --port PORT --dir DIR
"""
import argparse
import asyncio
import json
import os
import uuid

from aiosmtpd.controller import Controller


class Save:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        name = os.path.join(self.directory, str(uuid.uuid4()))
        with open(name + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name + ".json")
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    controller = Controller(Save(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
