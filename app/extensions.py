"""Flask extensions, created once and bound in create_app."""

from authlib.integrations.flask_client import OAuth
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
oauth = OAuth()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
