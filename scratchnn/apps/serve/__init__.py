"""`scratchnn serve`: a local web page where a person draws a digit and sees the model's answer live.

`PredictionServer` (the standard library's threading HTTP server) serves
the drawing page at `/`, `POST /predict` (a PNG/JPEG image, or JSON with a
28x28 array, answered with the top classes and probabilities as JSON) and
`GET /info`. `Predictor` is the part that turns one request body into an answer.
"""

from scratchnn.apps.serve.predictor import BadRequest as BadRequest
from scratchnn.apps.serve.predictor import Predictor as Predictor
from scratchnn.apps.serve.server import MAX_BODY_BYTES as MAX_BODY_BYTES
from scratchnn.apps.serve.server import PredictionServer as PredictionServer

__all__ = ["MAX_BODY_BYTES", "BadRequest", "PredictionServer", "Predictor"]
