"""The list and audience pickers: what a key can see, asked of the vendor before saving."""

from tests.shopify_signing import OTHER_SHOP, bearer, session_token


def lists(client, platform, api_key, token=None):
    return client.post(
        f"/admin/api/connections/{platform}/lists",
        json={"api_key": api_key},
        headers=bearer(token or session_token()),
    )


def test_a_good_key_lists_what_it_can_see(client, platforms, installed_shop):
    installed_shop()
    assert lists(client, "klaviyo", "pk_test").get_json() == {
        "lists": [{"id": "list1", "name": "Newsletter", "double_optin": False}]
    }
    found = lists(client, "mailchimp", "key-us1").get_json()["lists"]
    assert [(item["id"], item["name"]) for item in found] == [("list1", "Newsletter")]


def test_a_bad_key_is_a_400_naming_the_key_field(client, platforms, installed_shop):
    installed_shop()
    for platform, key in (("klaviyo", "pk_wrong"), ("mailchimp", "wrong-us1"), ("mailchimp", "x")):
        answer = lists(client, platform, key)
        assert answer.status_code == 400
        assert answer.get_json()["error"]["fields"]["api_key"]
    assert lists(client, "klaviyo", "").status_code == 400
    assert lists(client, "sms", "key").status_code == 404


def test_the_picker_needs_a_session_token(client, platforms, installed_shop):
    installed_shop()
    installed_shop(OTHER_SHOP)
    assert (
        client.post("/admin/api/connections/klaviyo/lists", json={"api_key": "pk_test"}).status_code
        == 401
    )
