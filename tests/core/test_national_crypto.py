"""National cryptography as a choice: personal data encrypted with SM4-GCM and looked up by its
HMAC-SM3, and ``manage.py rotate_keys`` moving a populated database between ciphers, keys and
hash algorithms, resumably, with every value still read and every person still found."""

import base64
import datetime as dt
import os

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError
from django.db import connection
from django.utils import timezone, translation

from bangfu.core import crypto
from bangfu.core.key_rotation import encrypted_columns
from bangfu.discovery.models import Flag, Rule
from bangfu.referrals.public_intake import public_help_request_status, public_help_request_submit
from bangfu.registry import services
from bangfu.registry.models import Household, Member
from bangfu.registry.search import search_households
from tests.core.test_rotate_keys import rotate, stopped_run
from tests.factories import HouseholdFactory, MemberFactory, make_id_number

FERNET_KEY = Fernet.generate_key().decode()
SM4_OLD = f"k2025:{base64.b64encode(os.urandom(16)).decode()}"
SM4_NEW = f"k2026:{base64.b64encode(os.urandom(16)).decode()}"
ID_NUMBER = make_id_number(birth=dt.date(1990, 1, 1), seq=123)
CALLER_PHONE = "13912340000"


def sm4(settings, *keys: str) -> None:
    settings.FIELD_CIPHER, settings.SM4_KEYS = crypto.SM4_GCM, list(keys)


def every_token() -> list[str]:
    """Every encrypted value of every table, as the database holds it."""
    tokens = []
    with connection.cursor() as cursor:
        for model, field in encrypted_columns():
            cursor.execute(
                f"SELECT {field.column} FROM {model._meta.db_table} WHERE {field.column} <> ''"
            )
            tokens += [token for (token,) in cursor.fetchall()]
    return tokens


# --- the cipher -------------------------------------------------------------------------------


def test_sm4_gcm_round_trip_names_its_key(settings):
    sm4(settings, SM4_NEW, SM4_OLD)

    token = crypto.encrypt(ID_NUMBER)

    assert token.startswith("sm4g:k2026:")
    sealed = base64.urlsafe_b64decode(token.split(":", 2)[2])
    assert len(sealed) == 12 + len(ID_NUMBER) + 16  # nonce, ciphertext, tag
    assert ID_NUMBER not in token and crypto.encrypt(ID_NUMBER) != token  # a fresh nonce
    assert crypto.decrypt(token) == ID_NUMBER


def test_a_tampered_sm4_value_is_refused(settings):
    sm4(settings, SM4_NEW)
    token = crypto.encrypt(ID_NUMBER)
    prefix, body = token.rsplit(":", 1)
    sealed = bytearray(base64.urlsafe_b64decode(body))
    assert crypto.decrypt(token) == ID_NUMBER  # the control: untouched, it reads

    for position in (12, len(sealed) - 1):  # the first ciphertext byte, the last tag byte
        altered = sealed.copy()
        altered[position] ^= 1
        with pytest.raises(ValueError, match="fails its integrity check"):
            crypto.decrypt(f"{prefix}:{base64.urlsafe_b64encode(altered).decode()}")
    # the key id is authenticated too: the same key under another id does not open it
    settings.SM4_KEYS = ["renamed:" + SM4_NEW.split(":")[1]]
    with pytest.raises(ValueError, match="SM4 key 'k2026'"):
        crypto.decrypt(token)


def test_a_value_whose_sm4_key_is_gone_names_the_missing_key(settings):
    sm4(settings, SM4_OLD)
    token = crypto.encrypt(ID_NUMBER)

    sm4(settings, SM4_NEW)
    with pytest.raises(ValueError, match="written with SM4 key 'k2025', which SM4_KEYS"):
        crypto.decrypt(token)
    settings.FIELD_CIPHER, settings.SM4_KEYS = crypto.FERNET, []
    with pytest.raises(ImproperlyConfigured, match="SM4-encrypted value needs SM4_KEYS"):
        crypto.decrypt(token)
    sm4(settings, SM4_NEW, SM4_OLD)
    assert crypto.decrypt(token) == ID_NUMBER


def test_the_configuration_is_refused_unless_it_can_work():
    good = {"cipher": "sm4-gcm", "fernet_keys": [], "sm4_keys": [SM4_NEW], "hashing": "hmac-sm3"}
    crypto.check_settings(**good)  # the control

    refusals = [
        ({"sm4_keys": []}, "FIELD_CIPHER=sm4-gcm needs SM4_KEYS"),
        ({"sm4_keys": ["k1:c2hvcnQ="]}, "SM4_KEYS entry 1 must be keyid:base64-of-16-bytes"),
        ({"sm4_keys": [SM4_NEW, SM4_NEW]}, "key id 'k2026' appears twice"),
        ({"cipher": "aes"}, "FIELD_CIPHER='aes'"),
        ({"hashing": "sm3"}, "LOOKUP_HASH_ALGORITHM='sm3'"),
        ({"cipher": "fernet"}, "Set FIELD_ENCRYPTION_KEYS"),
    ]
    for change, message in refusals:
        with pytest.raises(ImproperlyConfigured, match=message):
            crypto.check_settings(**(good | change))


# --- the keyed hash ---------------------------------------------------------------------------


def test_sm3_and_hmac_sm3_give_the_published_values(settings):
    # SM3("abc"), GB/T 32905-2016 (GM/T 0004-2012) appendix A.1
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(b"abc")
    assert sm3.finalize().hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    # HMAC-SM3, GM/T 0042-2015 appendix D.3, first vector
    settings.LOOKUP_HASH_KEY = bytes(range(1, 33)).decode()
    message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" * 2
    settings.LOOKUP_HASH_ALGORITHM = crypto.HMAC_SM3
    assert crypto.lookup_hash(message) == (
        "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"
    )
    settings.LOOKUP_HASH_ALGORITHM = crypto.HMAC_SHA256  # the control: another hash
    assert len(crypto.lookup_hash(message)) == 64
    assert crypto.lookup_hash(message) != (
        "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"
    )


# --- a populated database moved -------------------------------------------------------------


@pytest.fixture
def registry_under_fernet(settings, county_a, bureau_staff):
    """Five households with phones and heads, one with a known ID number, and a public help
    request: all written under Fernet and HMAC-SHA256."""
    settings.FIELD_CIPHER, settings.FIELD_ENCRYPTION_KEYS = crypto.FERNET, [FERNET_KEY]
    settings.SM4_KEYS, settings.LOOKUP_HASH_ALGORITHM = [], crypto.HMAC_SHA256
    _county, town, village = county_a
    for number in range(5):
        household = HouseholdFactory(region=village, phone=f"1391234{number:04d}")
        if number == 0:
            MemberFactory(household=household, name="杨桂仙", id_number=ID_NUMBER)
        else:
            MemberFactory(household=household)
    code = public_help_request_submit(
        name="李四", phone=CALLER_PHONE, township=town, description="腿脚不便", consent=True
    )
    return {
        "clear": {m.pk: m.id_number for m in Member.objects.all()},
        "phones": sorted(h.phone for h in Household.objects.all()),
        "code": code,
        "tokens": len(every_token()),
    }


def reads_back(expected) -> None:
    assert {m.pk: m.id_number for m in Member.objects.all()} == expected["clear"]
    assert sorted(h.phone for h in Household.objects.all()) == expected["phones"]


def finds_by_id_number(user) -> bool:
    hits = search_households(user, ID_NUMBER)
    return [hit.registry_number for hit in hits] == [
        Member.objects.get(name="杨桂仙").household.registry_number
    ]


def test_rotation_from_fernet_to_sm4_rewrites_every_value(
    settings, registry_under_fernet, bureau_staff
):
    sm4(settings, SM4_NEW)

    report = rotate(batch_size=2)

    tokens = every_token()
    assert len(tokens) == registry_under_fernet["tokens"] > 10
    assert all(token.startswith("sm4g:k2026:") for token in tokens)
    assert "registry.Member.id_number: 5 re-encrypted, 0 already under the newest key" in report
    assert "registry.Household.phone: 5 re-encrypted" in report
    settings.FIELD_ENCRYPTION_KEYS = []  # no Fernet value is left to need its key
    reads_back(registry_under_fernet)
    assert finds_by_id_number(bureau_staff)
    assert Member.objects.get(id_number_hash=crypto.lookup_hash(ID_NUMBER)).name == "杨桂仙"
    # a second run finds nothing to do
    assert "0 values re-encrypted" in rotate()


def test_without_the_run_fernet_values_need_their_key(settings, registry_under_fernet):
    sm4(settings, SM4_NEW)
    settings.FIELD_ENCRYPTION_KEYS = []  # the control of the test above: the run is needed

    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS is empty"):
        list(Member.objects.all())


def test_an_interrupted_rotation_to_sm4_resumes(settings, registry_under_fernet, monkeypatch):
    sm4(settings, SM4_NEW)
    # the help request's case comes first (three columns of one row), then the households'
    # phones: their first batch of two was committed, the one it stopped in was not
    stopped_run(monkeypatch, at=6, batch_size=2)
    assert sum(token.startswith("sm4g:") for token in every_token()) == 5

    report = rotate(batch_size=2)

    assert "registry.Household.phone: 3 re-encrypted, 2 already under the newest key" in report
    assert "referrals.IntakeCase.description: 0 re-encrypted, 1 already" in report
    assert "8 values re-encrypted, 5 already under the newest key" in report
    assert all(token.startswith("sm4g:") for token in every_token())
    settings.FIELD_ENCRYPTION_KEYS = []
    reads_back(registry_under_fernet)


def test_sm4_values_move_to_the_newest_sm4_key_and_back_to_fernet(
    settings, registry_under_fernet, bureau_staff
):
    sm4(settings, SM4_OLD)
    rotate()
    sm4(settings, SM4_NEW, SM4_OLD)

    rotate()

    assert all(token.startswith("sm4g:k2026:") for token in every_token())
    sm4(settings, SM4_NEW)  # the old SM4 key can go
    reads_back(registry_under_fernet)

    settings.FIELD_CIPHER = crypto.FERNET
    report = rotate()

    assert all(token.startswith("gAAAA") for token in every_token())
    assert f"{registry_under_fernet['tokens']} values re-encrypted" in report
    settings.SM4_KEYS = []
    reads_back(registry_under_fernet)
    assert finds_by_id_number(bureau_staff)


def test_a_value_no_sm4_key_opens_stops_the_run_naming_the_row_and_key(
    settings, registry_under_fernet
):
    sm4(settings, SM4_OLD)
    rotate()
    sm4(settings, SM4_NEW)  # the old key was dropped before the run

    with pytest.raises(CommandError, match=r"\w+\.\w+\.\w+ row \d+: no key .*'k2025'"):
        rotate()
    settings.SM4_KEYS = []
    with pytest.raises(CommandError, match="needs SM4_KEYS"):
        rotate()


def test_the_lookup_hash_moves_to_hmac_sm3_and_people_are_still_found(
    settings, registry_under_fernet, bureau_staff
):
    member = Member.objects.get(name="杨桂仙")
    flag = Flag.objects.create(
        rule=Rule.MEDICAL,
        key=f"{Rule.MEDICAL}:{member.id_number_hash[:32]}:2026",
        region=member.household.region,
        household=member.household,
        member=member,
        fired_on=timezone.localdate(),
    )
    settings.LOOKUP_HASH_ALGORITHM = crypto.HMAC_SM3
    # the control: until the run, the stored hashes are HMAC-SHA256 and nobody is found
    assert not finds_by_id_number(bureau_staff)
    code = registry_under_fernet["code"]
    assert public_help_request_status(code=code, phone=CALLER_PHONE) is None

    report = rotate(batch_size=2)

    assert "registry.Member.id_number_hash: 5 re-hashed, 0 already current" in report
    assert "registry.Household.phone_hash: 5 re-hashed" in report
    assert "registry.Member.id_tail6_hash: 5 re-hashed" in report
    assert "referrals.HelpRequest.phone_hash: 1 re-hashed" in report
    assert "registry.Member.name_pinyin" not in report  # not a keyed hash
    assert finds_by_id_number(bureau_staff)
    assert search_households(bureau_staff, ID_NUMBER[-6:])  # by the number's tail
    assert search_households(bureau_staff, "13912340003")  # by phone
    assert public_help_request_status(code=code, phone=CALLER_PHONE) is not None
    flag.refresh_from_db()
    assert flag.key == f"{Rule.MEDICAL}:{crypto.lookup_hash(ID_NUMBER)[:32]}:2026"
    # the registry's duplicate check finds the person under the new hash
    with translation.override("en"), pytest.raises(ValidationError, match="already registered"):
        services.identify(ID_NUMBER, by=bureau_staff)
    assert "0 lookup hashes re-hashed" in rotate()  # resumable: nothing left to do


def test_a_stored_hash_its_source_no_longer_gives_is_kept_and_counted(
    settings, registry_under_fernet
):
    member = Member.objects.get(name="杨桂仙")
    stale = "0" * 64  # written from another number than the one now stored
    Member.objects.filter(pk=member.pk).update(id_number_hash=stale)
    settings.LOOKUP_HASH_ALGORITHM = crypto.HMAC_SM3

    report = rotate()

    assert "registry.Member.id_number_hash: 4 re-hashed, 0 already current, 1 kept" in report
    assert Member.objects.get(pk=member.pk).id_number_hash == stale
