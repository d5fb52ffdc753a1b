import pytest

from ras.library import roles
from ras.library.roles import RoleSummary
from ras.names import InvalidRoleName
from ras.store.workspace import RoleNotFound, Workspace


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(tmp_path / "roles")
    yield workspace
    workspace.close()


def test_create_list_rename_delete(ws, tmp_path):
    outside = tmp_path / "keep.txt"
    outside.write_text("untouched")
    assert roles.create_role(ws=ws, category="男性", name="张三") == "男性-张三"
    roles.create_role(ws=ws, category="女性", name="さくら")
    assert roles.list_roles(ws=ws) == [RoleSummary("女性-さくら", 0), RoleSummary("男性-张三", 0)]
    assert roles.rename_role(ws=ws, role="男性-张三", new_role="男性-李四") == "男性-李四"
    assert [r.role for r in roles.list_roles(ws=ws)] == ["女性-さくら", "男性-李四"]
    roles.delete_role(ws=ws, role="男性-李四")
    assert [r.role for r in roles.list_roles(ws=ws)] == ["女性-さくら"]
    assert not (tmp_path / "roles" / "男性-李四").exists()
    assert outside.read_text() == "untouched" and (tmp_path / "roles" / "女性-さくら" / "role.db").is_file()


def test_duplicates_and_traversal_are_refused(ws):
    roles.create_role(ws=ws, category="a", name="b")
    with pytest.raises(roles.RoleExists):
        roles.create_role(ws=ws, category="a", name="b")
    with pytest.raises(InvalidRoleName):
        roles.delete_role(ws=ws, role="../roles")
    with pytest.raises(InvalidRoleName):
        roles.create_role(ws=ws, category="a|b", name="c")
    with pytest.raises(RoleNotFound):
        roles.delete_role(ws=ws, role="no-such")
