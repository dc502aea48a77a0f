"""A burst of Mailchimp work goes out as one batch operation (POST /batches), and each task
is settled from the batch's results: the same outcomes as calls made one at a time."""

from rq.job import Job
from sqlalchemy import select

from app.extensions import db, redis_queues
from app.models import EmailSuppression, SyncTask
from tests.factories import play, token_for

LEADS = 24


def play_many(client, campaign, count: int = LEADS) -> dict[str, str]:
    codes = {}
    for n in range(count):
        email, visitor = f"buyer{n}@example.com", f"visitor-{n:04d}"
        answer = play(
            client,
            campaign,
            token_for(client, campaign, visitor),
            email,
            visitor,
            ip=f"198.51.100.{n}",
        )
        assert answer.status_code == 200, answer.get_json()
        codes[email] = answer.get_json()["code"]
    return codes


def run_due_later(run_worker) -> None:
    """Run the jobs scheduled for later (the batch collection) as if their time had come."""
    queue = redis_queues.queue("sync")
    registry = queue.scheduled_job_registry
    for job_id in registry.get_job_ids():
        registry.remove(job_id)
        queue.enqueue_job(Job.fetch(job_id, connection=redis_queues.connection))
    run_worker()


def mailchimp_tasks() -> list[SyncTask]:
    db.session.rollback()
    return list(db.session.scalars(select(SyncTask).filter_by(platform="mailchimp")))


def test_a_burst_of_leads_is_one_batch_and_every_member_gets_the_code_they_saw(
    client, connected, run_worker, mailchimp
):
    codes = play_many(client, connected)
    before = len(mailchimp.requests)
    run_worker()
    tasks = mailchimp_tasks()
    assert {task.status for task in tasks} == {"sending"}
    assert len({task.vendor_batch_id for task in tasks}) == 1
    run_due_later(run_worker)
    assert {task.status for task in mailchimp_tasks()} == {"done"}
    for email, code in codes.items():
        member = mailchimp.member("list1", email)
        assert member.status == "subscribed" and member.merge_fields["COUPON"] == code
        assert "baton-game-wheel" in member.tags
    paths = [path for _, path in mailchimp.requests[before:]]
    # Start, ask once, download the results: three requests for 24 leads, not 48.
    assert paths.count("/3.0/batches") == 1 and len(paths) == 3, paths


def test_a_compliance_refusal_inside_a_batch_is_a_suppression_for_that_member_only(
    client, connected, run_worker, mailchimp
):
    mailchimp.compliance("buyer3@example.com")
    play_many(client, connected)
    run_worker()
    run_due_later(run_worker)
    assert {task.status for task in mailchimp_tasks()} == {"done"}
    assert mailchimp.status("list1", "buyer3@example.com") != "subscribed"
    assert mailchimp.status("list1", "buyer4@example.com") == "subscribed"
    assert db.session.scalars(select(EmailSuppression.source)).all() == ["mailchimp"]


def test_a_failed_look_at_the_batch_is_asked_again_and_nothing_is_sent_twice(
    client, connected, run_worker, mailchimp
):
    play_many(client, connected)
    run_worker()
    mailchimp.fail_next(503)
    run_due_later(run_worker)  # Mailchimp did not answer: the tasks keep waiting
    assert {task.status for task in mailchimp_tasks()} == {"sending"}
    run_due_later(run_worker)
    assert {task.status for task in mailchimp_tasks()} == {"done"}
    assert [path for _, path in mailchimp.requests].count("/3.0/batches") == 1
    run_due_later(run_worker)  # a collection job run twice finds nothing left to settle
    assert [path for _, path in mailchimp.requests].count("/3.0/batches") == 1


def test_a_few_leads_still_go_out_at_once_without_a_batch(client, connected, run_worker, mailchimp):
    play_many(client, connected, count=3)
    run_worker()
    assert {task.status for task in mailchimp_tasks()} == {"done"}
    assert "/3.0/batches" not in [path for _, path in mailchimp.requests]
