"""The demo's Klaviyo and Mailchimp: the tests' spec-validated fakes, served by one process.

`make run` starts this beside web and worker in demo mode (`python -m app.demo.vendors`) and
points KLAVIYO_BASE_URL and MAILCHIMP_BASE_URL at it, so a newcomer connects both platforms
with the demo keys (app.demo.DEMO_KLAVIYO_KEY, DEMO_MAILCHIMP_KEY) and watches a pop-up lead,
its code and its consent arrive. Each fake keeps its state in this process's memory: the web
runs several workers, which could not share it, and a restart forgets everything, as a new
account would.

Besides the vendors' own APIs, each fake answers GET .../demo-holdings?email=, what it now
holds for that address, for the demo's "what the platforms hold" page. That route is the
demo's, not the vendor's, so it is kept out of the fakes themselves.
"""

import argparse
import json

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.demo import DEMO_KLAVIYO_KEY, DEMO_MAILCHIMP_KEY
from app.demo.klaviyo_fake import KlaviyoFake
from app.demo.mailchimp_fake import MailchimpFake
from app.demo.vendor_http import QuietHandler

KLAVIYO_PATH, MAILCHIMP_PATH = "/demo/klaviyo", "/demo/mailchimp"
HOLDINGS = "/demo-holdings"
KLAVIYO_LISTS = {"DemoNL": {"name": "Demo newsletter", "opt_in_process": "single_opt_in"}}
MAILCHIMP_LISTS = {"demo0audience": {"name": "Demo audience", "double_optin": False}}


class DemoVendors:
    """Both fakes behind one WSGI app, each under its own path."""

    def __init__(self):
        self.klaviyo = KlaviyoFake(
            api_keys=(DEMO_KLAVIYO_KEY,),
            lists=KLAVIYO_LISTS,
            organization_name="Baton Demo Store",
        )
        self.mailchimp = MailchimpFake(api_key=DEMO_MAILCHIMP_KEY, lists=MAILCHIMP_LISTS)
        self.wsgi = DispatcherMiddleware(
            Response("Not found", status=404),
            {
                KLAVIYO_PATH: _with_holdings(self.klaviyo, klaviyo_holdings),
                MAILCHIMP_PATH: _with_holdings(self.mailchimp, mailchimp_holdings),
            },
        )

    def serve_at(self, root_url: str) -> None:
        """Tell each fake its public address (Mailchimp's batch results link to it)."""
        self.klaviyo.mounted_at = root_url + KLAVIYO_PATH
        self.mailchimp.mounted_at = root_url + MAILCHIMP_PATH

    @property
    def klaviyo_url(self) -> str:
        """What KLAVIYO_BASE_URL should be."""
        return self.klaviyo.url

    @property
    def mailchimp_url(self) -> str:
        """What MAILCHIMP_BASE_URL should be (the API's /3.0 included)."""
        return self.mailchimp.url


def klaviyo_holdings(fake: KlaviyoFake, email: str) -> dict:
    """The profile Klaviyo keeps for this email, and its events, as plain JSON."""
    found = fake.profile(email)
    if found is None:
        return {"profile": None, "events": []}
    lists = {list_id: fake.lists[list_id]["name"] for list_id in sorted(found.lists)}
    return {
        "profile": {
            "email": found.email,
            "consent": found.consent,
            "consent_timestamp": _iso(found.consent_timestamp),
            "suppression": found.suppression.reason if found.suppression else None,
            "lists": lists,
            "pending_lists": sorted(found.pending_lists),
            "properties": found.properties,
            "updated": _iso(found.updated),
        },
        "events": [
            {
                "metric": event.metric,
                "time": _iso(event.time),
                "unique_id": event.unique_id,
                "properties": event.properties,
            }
            for event in fake.events_for(email)
        ],
    }


def mailchimp_holdings(fake: MailchimpFake, email: str) -> dict:
    """The member each audience keeps for this email, as plain JSON."""
    audiences = []
    for list_id, audience in fake.lists.items():
        found = fake.member(list_id, email)
        member = None
        if found is not None:
            member = {
                "email": found.email_address,
                "status": found.status,
                "merge_fields": found.merge_fields,
                "tags": sorted(found.tags),
                "events": found.events,
                "last_changed": _iso(found.last_changed),
            }
        audiences.append({"id": list_id, "name": audience.name, "member": member})
    return {"audiences": audiences}


def _with_holdings(fake, holdings):
    def app(environ, start_response):
        if environ.get("PATH_INFO") != HOLDINGS:
            return fake.wsgi(environ, start_response)
        email = Request(environ).args.get("email", "").strip()
        if not email:
            answer = Response('{"error": "email is required"}', 400, mimetype="application/json")
        else:
            with fake.lock:
                document = holdings(fake, email)
            answer = Response(json.dumps(document), mimetype="application/json")
        return answer(environ, start_response)

    return app


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def main() -> None:
    parser = argparse.ArgumentParser(description="The demo's Klaviyo and Mailchimp stand-ins.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    arguments = parser.parse_args()
    vendors = DemoVendors()
    server = make_server(
        arguments.host, arguments.port, vendors.wsgi, threaded=True, request_handler=QuietHandler
    )
    vendors.serve_at(f"http://{arguments.host}:{server.server_port}")
    print(f"demo Klaviyo:   {vendors.klaviyo_url}  (key {DEMO_KLAVIYO_KEY})", flush=True)
    print(f"demo Mailchimp: {vendors.mailchimp_url}  (key {DEMO_MAILCHIMP_KEY})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
