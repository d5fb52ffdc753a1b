"""Tables of the main DB (ras.db): what all roles share."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class TestTextBase(SQLModel):
    content: str
    lang: str = Field(default="zh", index=True)
    category: str = Field(default="", index=True)


class TestText(TestTextBase, table=True):
    __tablename__ = "test_text"
    __test__ = False  # not a pytest class, whatever its name says
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class AppSetting(SQLModel, table=True):
    __tablename__ = "app_setting"
    key: str = Field(primary_key=True)
    value: str = ""


MAIN_TABLES = [TestText.__table__, AppSetting.__table__]
