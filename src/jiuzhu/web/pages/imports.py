"""台账导入: upload a ledger (.xlsx, .csv) or households as JSON / JSON Lines; the import runs as a job whose progress
the page shows live, then its report by row and column, and the rejects to download. The upload is kept under
``<home>/uploads`` by ``jobs.uploads`` (checked: size, type, content) and imported by the jobs' worker."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.jobs import kinds, uploads
from jiuzhu.jobs import service as jobs
from jiuzhu.web import glue
from jiuzhu.web.frame import FormText, Page, csrf_checked, menu
from jiuzhu.web.pages.jobs import POLL_SECONDS
from jiuzhu.web.render import partial, render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("imports"))]  # signed in, and the role may use the page
DEFAULT_REASON = N_("ledger import")
RECENT = 10


@router.get("/imports", name="imports")
def imports(request: Request, page: MenuPage, session: glue.Db):
    return _page(request, page, session)


def _page(request: Request, page: Page, session: Session, *, error: JiuzhuError | None = None,
          status_code: int = 200) -> Response:
    recent = jobs.list_jobs(session, page.principal, kind="import", limit=RECENT)
    return render(request, "imports/imports.html", status_code=status_code, recent=recent, error=error,
                  default_reason=t(DEFAULT_REASON))


@router.post("/imports", dependencies=[Depends(csrf_checked)])
def upload(request: Request, page: MenuPage, session: glue.Db,
           file: Annotated[UploadFile, File()], reason: FormText = ""):
    settings = request.app.state.settings
    try:
        path = uploads.save_upload(settings.home, file.filename or "", file.file)
        try:
            job = kinds.submit_import(session, page.principal, path=path, name=file.filename or "",
                                      reason=reason.strip() or t(DEFAULT_REASON))
        except BaseException:
            uploads.remove(path)
            raise
    except JiuzhuError as exc:
        if partial(request):
            return render(request, "_error.html", status_code=400, message=exc.message)
        return _page(request, page, session, error=exc, status_code=400)
    if partial(request):
        return render(request, "jobs/_job.html", job=job, poll=POLL_SECONDS)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
