"""Recognising CSV columns as Salesforce and HubSpot export them."""

from __future__ import annotations

import re

# canonical field -> the header spellings Salesforce and HubSpot exports use (compared normalised)
ACCOUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("account name", "company name", "company", "name", "organization", "organisation"),
    "domain": ("website", "company domain name", "domain", "domain name", "web site"),
    "segment": ("industry", "segment", "vertical"),
    "lifecycle": ("type", "lifecycle stage", "account type", "lifecycle", "status"),
    "owner": ("account owner", "company owner", "owner", "hubspot owner", "account owner alias"),
    "aliases": ("aliases", "alias", "also known as"),
}
CONTACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "full_name": ("full name", "contact name", "name"),
    "title": ("title", "job title", "jobtitle", "position"),
    "account": ("account name", "company name", "associated company", "company", "account", "organization"),
    "email": ("email", "email address", "e-mail"),
    "roles": ("buying role", "buying roles", "contact role", "role", "roles"),
}


def normalise_header(header: str) -> str:
    return re.sub(r"[\s_]+", " ", header.replace("\ufeff", "").strip().lower())


def map_columns(headers: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """canonical field -> the header that carries it (the first spelling found wins)."""
    by_norm = {normalise_header(h): h for h in headers}
    mapped: dict[str, str] = {}
    for field, spellings in wanted.items():
        for spelling in spellings:
            if spelling in by_norm and by_norm[spelling] not in mapped.values():
                mapped[field] = by_norm[spelling]
                break
    return mapped


def detect_kind(headers: list[str]) -> str | None:
    """"contacts" when the file names people, "accounts" when it names companies, else None."""
    contacts = map_columns(headers, CONTACT_COLUMNS)
    if "last_name" in contacts or ("full_name" in contacts and "account" in contacts and "title" in contacts):
        return "contacts"
    if "name" in map_columns(headers, ACCOUNT_COLUMNS):
        return "accounts"
    return None


LIFECYCLE_WORDS = {
    "customer": "customer", "customer - direct": "customer", "customer - channel": "customer",
    "prospect": "prospect", "lead": "prospect", "subscriber": "prospect", "marketingqualifiedlead": "prospect",
    "salesqualifiedlead": "prospect", "opportunity": "prospect", "evangelist": "customer", "other": "prospect",
    "former customer": "churned", "churned": "churned", "lost": "churned",
}


def lifecycle_of(value: str) -> str | None:
    key = value.strip().lower()
    return LIFECYCLE_WORDS.get(key) or LIFECYCLE_WORDS.get(key.replace(" ", ""))
