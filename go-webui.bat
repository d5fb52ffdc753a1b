@echo off
rem Start RAS on Windows beside a GPT-SoVITS integration package.
rem RAS keeps its own environment (.venv, made on first run) because the package's
rem runtime\python.exe carries an older Gradio and its own pins; the package is the
rem GPT-SoVITS side: its folder is --gsv-root and runtime\python.exe is --gsv-python.
setlocal
cd /d "%~dp0"
set "GSV_ROOT="
if exist "%~dp0..\runtime\python.exe" if exist "%~dp0..\GPT_SoVITS" set "GSV_ROOT=%~dp0.."
if not defined GSV_ROOT for /d %%D in ("%~dp0..\GPT-SoVITS*") do (
  if exist "%%~fD\runtime\python.exe" if exist "%%~fD\GPT_SoVITS" set "GSV_ROOT=%%~fD"
)
if not exist ".venv\Scripts\python.exe" (
  py -3 -m venv .venv 2>nul || python -m venv .venv
)
if not exist ".venv\Scripts\python.exe" (
  echo Python 3.10 or newer is needed to create RAS's own environment: install it from python.org.
  pause
  exit /b 1
)
.venv\Scripts\python.exe -m pip install -q -r requirements.txt -r requirements-analysis.txt
if errorlevel 1 (
  echo Installing RAS's packages failed: see the messages above.
  pause
  exit /b 1
)
.venv\Scripts\python.exe -m pip install -q --no-deps resemblyzer==0.1.4
if defined GSV_ROOT (
  .venv\Scripts\python.exe webui_ras.py --gsv-root "%GSV_ROOT%" --gsv-python "%GSV_ROOT%\runtime\python.exe" %*
) else (
  echo No GPT-SoVITS integration package next to RAS: pass --gsv-root and --gsv-python yourself.
  .venv\Scripts\python.exe webui_ras.py %*
)
pause
