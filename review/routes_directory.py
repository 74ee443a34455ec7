"""Directory screens: units and focal points, viewed by every staff member, edited by supervisors.

Every change is audited with who made it; running services route with the edited focal points from
their next read. Export as YAML or CSV; import (supervisor) replaces the units and changes nothing when
the file has a problem.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from core.directory_io import (
    DirectoryImportInvalid,
    ImportProblem,
    export_csv,
    export_yaml,
    guess_format,
    parse_units,
    validate_unit,
)
from core.errors import NarahubungError
from review.auth import CurrentUser, require_role
from review.deps import DbSession, ServicesDep, render
from review.exports import MEDIA_TYPE as EXCEL_MEDIA_TYPE
from review.exports import directory_for_excel
from storage.accounts import StaffUser
from storage.directory_store import (
    DEACTIVATE_FEW,
    ImportPlan,
    UnitChangedMeanwhile,
    UnitNotFound,
    current_directory,
    get_unit,
    import_units,
    list_units,
    plan_import,
    save_unit,
    set_unit_active,
    unit_history,
)

router = APIRouter(prefix="/direktori")
Supervisor = Annotated[StaffUser, Depends(require_role("supervisor"))]
FLASH_KEY = "flash_direktori"
MAX_IMPORT_BYTES = 5 * 1024 * 1024
BLANK_ROWS = 2  # empty focal-point rows offered on the form


def _flash(request: Request, message: str, ok: bool = True) -> None:
    request.session[FLASH_KEY] = {"message": message, "ok": ok}


def _see(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _directory(session: Any, services: Any) -> Any:
    return current_directory(session, services.live_directory.base)


@router.get("")
def directory_page(request: Request, user: CurrentUser, session: DbSession, services: ServicesDep,
                   q: str = "", jenis: str = "") -> Response:
    return _directory_view(request, user, session, services, q, jenis)


def _directory_view(request: Request, user: StaffUser, session: Any, services: Any, q: str = "", jenis: str = "",
                    *, status: int = 200, problems: list[ImportProblem] | None = None) -> Response:
    base = services.live_directory.base
    needle = q.strip().lower()[:100]
    units = [
        stored for stored in list_units(session)
        if (not jenis or stored.unit.type == jenis)
        and (not needle or needle in " ".join([stored.unit.id, stored.unit.name,
                                               *(f"{fp.name} {fp.email}" for fp in stored.unit.focal_points)]).lower())
    ]
    return render(
        request, "directory.html", status_code=status,
        units=units, q=q, jenis=jenis, base=base, problems=problems or [],
        types={t.id: t.name for t in base.agency_types}, regions={r.code: r.name for r in base.regions},
        can_edit=user.has_role("supervisor"), flash=request.session.pop(FLASH_KEY, None),
    )


@router.get("/ekspor-excel.csv")
def export_for_excel(user: CurrentUser, session: DbSession, services: ServicesDep) -> Response:
    """The directory to read in Excel on Indonesian settings (names, `;`, BOM); not an import format."""
    return Response(directory_for_excel(_directory(session, services)), media_type=EXCEL_MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="direktori-excel.csv"'})


@router.get("/ekspor.{fmt}")
def export(fmt: str, user: CurrentUser, session: DbSession, services: ServicesDep) -> Response:
    if fmt not in ("yaml", "csv"):
        return Response("Format tidak dikenal: pakai .yaml atau .csv", status_code=404)
    directory = _directory(session, services)
    if fmt == "yaml":
        body, media = export_yaml(directory), "application/yaml; charset=utf-8"
    else:
        body, media = export_csv(directory.units), "text/csv; charset=utf-8"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="direktori.{fmt}"'})


def _read_upload(berkas: UploadFile) -> str:
    data = berkas.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise DirectoryImportInvalid([ImportProblem(None, "", "berkas lebih dari 5 MB")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DirectoryImportInvalid([ImportProblem(None, "", "berkas harus berupa teks UTF-8")]) from None


@router.post("/impor")
def import_file(request: Request, user: Supervisor, session: DbSession, services: ServicesDep,
                berkas: Annotated[UploadFile, File()]) -> Response:
    """First step of an import: the file is read and checked, and what it would change is shown.
    Nothing is written until the supervisor confirms on that page."""
    try:
        fmt = guess_format(berkas.filename or "")
        text = _read_upload(berkas)
        units = parse_units(text, fmt, services.live_directory.base)
    except DirectoryImportInvalid as exc:
        return _directory_view(request, user, session, services, status=400, problems=list(exc.problems))
    return _import_preview(request, plan_import(session, units), text, fmt, berkas.filename or "")


def _import_preview(request: Request, plan: ImportPlan, text: str, fmt: str, filename: str, *,
                    problem: str | None = None, status: int = 200) -> Response:
    return render(request, "directory_import.html", status_code=status, plan=plan, text=text, fmt=fmt,
                  filename=filename, problem=problem, few=DEACTIVATE_FEW)


@router.post("/impor/terapkan")
def import_apply(
    request: Request, user: Supervisor, session: DbSession, services: ServicesDep,
    isi: Annotated[str, Form()], format: Annotated[str, Form()], sidik: Annotated[str, Form()],
    nama: Annotated[str, Form()] = "", hilang: Annotated[str, Form()] = "biarkan",
    yakin: Annotated[str, Form()] = "",
) -> Response:
    """Second step: apply the file shown in the preview, as the supervisor chose for the missing units."""
    try:
        fmt = guess_format(f"x.{format}")
        units = parse_units(isi, fmt, services.live_directory.base)
    except DirectoryImportInvalid as exc:
        return _directory_view(request, user, session, services, status=400, problems=list(exc.problems))
    plan = plan_import(session, units)
    deactivate = hilang == "nonaktifkan" and bool(plan.deactivated)
    if plan.fingerprint != sidik:
        return _import_preview(request, plan, isi, fmt, nama, status=409, problem=(
            "Direktori berubah sejak pratinjau dibuat; periksa lagi perubahan di bawah lalu konfirmasi."))
    if deactivate and plan.many_deactivated and yakin != str(len(plan.deactivated)):
        return _import_preview(request, plan, isi, fmt, nama, status=400, problem=(
            f"Impor ini akan menonaktifkan {len(plan.deactivated)} unit; centang pernyataan yakin "
            "atau pilih untuk membiarkan unit itu tetap aktif."))
    import_units(session, units, actor=user.username, deactivate_missing=deactivate)
    session.commit()
    _flash(request, f"Direktori diimpor dari {nama or 'berkas'}: {len(units)} unit dalam berkas; "
                    f"{plan.summary(deactivate=deactivate)}.")
    return _see("/direktori")


@router.get("/baru")
def new_unit_page(request: Request, user: Supervisor, services: ServicesDep) -> Response:
    return _unit_form(request, services, None, _form_values(None), new=True)


@router.get("/unit/{unit_id}")
def unit_page(unit_id: str, request: Request, user: CurrentUser, session: DbSession, services: ServicesDep) -> Response:
    try:
        stored = get_unit(session, unit_id)
    except UnitNotFound as exc:
        return render(request, "error.html", status_code=404, title="Unit tidak ditemukan", message=exc.message)
    return _unit_form(request, services, stored, _form_values(stored.unit), history=unit_history(session, unit_id),
                      flash=request.session.pop(FLASH_KEY, None))


def _form_values(unit: Any) -> dict[str, Any]:
    if unit is None:
        return {"id": "", "type": "", "name": "", "covers": [], "focal_points": []}
    return {"id": unit.id, "type": unit.type, "name": unit.name, "covers": list(unit.covers),
            "focal_points": [fp.model_dump() for fp in unit.focal_points]}


def _unit_form(request: Request, services: Any, stored: Any, values: dict[str, Any], *, new: bool = False,
               history: Any = (), problems: Any = (), flash: Any = None, status: int = 200) -> Response:
    base = services.live_directory.base
    user = getattr(request.state, "user", None)
    rows = list(values["focal_points"]) + [{"name": "", "title": "", "email": "", "phone": "", "role": "primary"}] * BLANK_ROWS
    return render(
        request, "directory_unit.html", status_code=status,
        stored=stored, values=values, rows=rows, new=new, base=base, history=list(history),
        problems=list(problems), flash=flash, can_edit=bool(user and user.has_role("supervisor")),
        types={t.id: t.name for t in base.agency_types},
    )


def _posted(unit_id: str, type_: str, name: str, covers: list[str], fp_name: list[str], fp_title: list[str],
            fp_email: list[str], fp_phone: list[str], fp_role: list[str]) -> dict[str, Any]:
    """The unit as the form sent it; rows left entirely empty are dropped (that is how a focal point is removed)."""
    points = []
    for i, name_ in enumerate(fp_name):
        cells = [name_, _at(fp_title, i), _at(fp_email, i), _at(fp_phone, i)]
        if not any(c.strip() for c in cells):
            continue
        points.append({"name": name_.strip(), "title": cells[1].strip(), "email": cells[2].strip(),
                       "phone": cells[3].strip(), "role": _at(fp_role, i) or "primary"})
    return {"id": unit_id.strip(), "type": type_, "name": name.strip(), "covers": covers, "focal_points": points}


def _at(values: list[str], i: int) -> str:
    return values[i] if i < len(values) else ""


UnitForm = dict[str, Any]


def unit_form(
    type_: Annotated[str, Form(alias="type")] = "",
    name: Annotated[str, Form()] = "",
    covers: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    fp_name: Annotated[list[str], Form()] = [],  # noqa: B006
    fp_title: Annotated[list[str], Form()] = [],  # noqa: B006
    fp_email: Annotated[list[str], Form()] = [],  # noqa: B006
    fp_phone: Annotated[list[str], Form()] = [],  # noqa: B006
    fp_role: Annotated[list[str], Form()] = [],  # noqa: B006
    new_id: Annotated[str, Form(alias="id")] = "",
    revisi: Annotated[int | None, Form()] = None,
) -> UnitForm:
    values = _posted(new_id, type_, name, covers, fp_name, fp_title, fp_email, fp_phone, fp_role)
    return {**values, "revision": revisi}


def _save(request: Request, user: StaffUser, session: Any, services: Any, values: UnitForm, *, new: bool) -> Response:
    expected = values.pop("revision", None)
    stored = None if new else get_unit(session, values["id"])
    try:
        unit = validate_unit(values, services.live_directory.base)
        changes = save_unit(session, unit, actor=user.username, new=new, expected_revision=expected)
        session.commit()
    except DirectoryImportInvalid as exc:
        session.rollback()
        history = () if new else unit_history(session, values["id"])
        return _unit_form(request, services, stored, values, new=new, history=history,
                          problems=exc.problems, status=400)
    except UnitChangedMeanwhile as exc:
        session.rollback()
        latest = get_unit(session, values["id"])  # show what is stored now, with the history that changed it
        return _unit_form(request, services, latest, _form_values(latest.unit), history=unit_history(session, latest.unit.id),
                          flash={"message": exc.message, "ok": False}, status=409)
    if new:
        _flash(request, f"Unit {unit.id} ditambahkan.")
    elif changes.count:
        _flash(request, f"Perubahan unit {unit.id} disimpan dan dicatat.")
    else:
        _flash(request, "Tidak ada yang berubah.")
    return _see(f"/direktori/unit/{unit.id}")


@router.post("/baru")
def create_unit_post(request: Request, user: Supervisor, session: DbSession, services: ServicesDep,
                     values: Annotated[UnitForm, Depends(unit_form)]) -> Response:
    return _save(request, user, session, services, values, new=True)


@router.post("/unit/{unit_id}")
def update_unit(unit_id: str, request: Request, user: Supervisor, session: DbSession, services: ServicesDep,
                values: Annotated[UnitForm, Depends(unit_form)]) -> Response:
    try:
        return _save(request, user, session, services, {**values, "id": unit_id}, new=False)
    except UnitNotFound as exc:
        return render(request, "error.html", status_code=404, title="Unit tidak ditemukan", message=exc.message)


@router.post("/unit/{unit_id}/aktif")
def toggle_active(unit_id: str, request: Request, user: Supervisor, session: DbSession,
                  aktif: Annotated[str, Form()] = "0") -> Response:
    try:
        changed = set_unit_active(session, unit_id, aktif == "1", actor=user.username)
        session.commit()
    except NarahubungError as exc:
        return render(request, "error.html", status_code=404, title="Unit tidak ditemukan", message=exc.message)
    if changed:
        _flash(request, f"Unit {unit_id} {'diaktifkan kembali' if aktif == '1' else 'dinonaktifkan'}.")
    return _see(f"/direktori/unit/{unit_id}")
