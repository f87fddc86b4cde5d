"""Control characters: refused where text enters, removed where XML leaves.

Text that staff and the public type may hold any printable character, right-to-left marks
included, but no control characters: they serve no purpose in a note or a name, break XML
(a single U+000B makes a whole Open311 feed ill-formed) and hide in logs and spreadsheets.

* At input, :func:`reject_control_characters` is the validator on every text field of every
  serializer (:class:`TextInputSerializerMixin`) and every form (:class:`TextInputFormMixin`):
  a 400 naming the field. Tab and newline are allowed, and a carriage return only as part of
  a CRLF newline (what browsers send from a textarea).
* At output, :func:`xml_text` drops whatever XML 1.0 cannot hold, for rows stored before the
  validator (or written around it, e.g. straight into the database).
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

#: Characters XML 1.0 cannot hold (its Char production), surrogates and U+FFFE/U+FFFF included.
XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def control_character(text: str) -> tuple[int, str] | None:
    """The first refused character of `text` and its position, or None when there is none.

    Refused: Unicode control characters (category Cc: C0, DEL, C1) other than tab, newline
    and the carriage return of a CRLF; lone surrogates (Cs); the noncharacters U+FFFE/U+FFFF.
    """
    for index, char in enumerate(text):
        if char in "\t\n":
            continue
        if char == "\r" and text[index + 1 : index + 2] == "\n":
            continue
        if char in "\ufffe\uffff" or unicodedata.category(char) in ("Cc", "Cs"):
            return index, char
    return None


def reject_control_characters(value: object) -> None:
    """A validator: :class:`ValidationError` when text `value` holds a control character."""
    if not isinstance(value, str):
        return
    found = control_character(value)
    if found is not None:
        index, char = found
        raise ValidationError(
            _("Control characters are not allowed (U+%(code)04X at position %(position)d).")
            % {"code": ord(char), "position": index + 1},
            code="control_character",
        )


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot hold (for any XML that Trygg writes)."""
    return XML_INVALID.sub("", value)


# --- serializers --------------------------------------------------------------------------


def guard_serializer_field(field: serializers.Field) -> None:
    """Add :func:`reject_control_characters` to `field` when it takes text (and to the
    children of list and dict fields)."""
    child = getattr(field, "child", None)
    if isinstance(child, serializers.Field) and not isinstance(field, serializers.BaseSerializer):
        guard_serializer_field(child)
    takes_text = isinstance(field, serializers.CharField) and not field.read_only
    if takes_text and reject_control_characters not in field.validators:
        field.validators.append(reject_control_characters)


class TextInputSerializerMixin:
    """Every text field of the serializer refuses control characters (see module doc).

    Put it first among the bases of every serializer of the project; the trust tests check
    that no serializer lacks it.
    """

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            guard_serializer_field(field)
        return fields


class Serializer(TextInputSerializerMixin, serializers.Serializer):
    """:class:`rest_framework.serializers.Serializer` with guarded text fields."""


class ModelSerializer(TextInputSerializerMixin, serializers.ModelSerializer):
    """:class:`rest_framework.serializers.ModelSerializer` with guarded text fields."""


# --- forms --------------------------------------------------------------------------------


def guard_form_field(field: forms.Field) -> None:
    """Add :func:`reject_control_characters` to a form field that takes text."""
    if isinstance(field, forms.CharField) and reject_control_characters not in field.validators:
        field.validators = [*field.validators, reject_control_characters]


class TextInputFormMixin:
    """Every text field of the form refuses control characters (see module doc).

    Put it first among the bases of every form of the project; the trust tests check that no
    form lacks it.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            guard_form_field(field)
