"""Labels inferred from text for profiles that carry none."""

import numpy as np
import pytest

from matching.labels import LabelSettings, bilingual_name, fit_labels
from matching.text import tokenize
from tests.unit.matching.fake_embedder import DIM, vector

pytestmark = pytest.mark.unit

TEXTS = [
    "Hospital records and telemedicine for clinics",
    "Healthcare scheduling for hospitals and clinics",
    "Healthcare billing for clinics and patients",
    "Patients book clinics online, healthcare made simple",
    "Tuition payments and campus cards for universities",
    "Education courses for students and universities",
    "Education analytics for schools and students",
    "Students and teachers share education homework",
    "Warehouse robots move pallets",
]


def encode(texts):
    return np.stack([vector(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)


def fitted(**settings):
    vectors = encode(TEXTS)
    return fit_labels(
        ["Healthcare", "Education"], vectors, [tokenize(t) for t in TEXTS], encode, LabelSettings(**settings)
    ), vectors


def test_a_document_gets_the_label_whose_documents_it_resembles_without_naming_it():
    model, _vectors = fitted(min_z=0.3)

    inferred = model.infer(
        encode(
            [
                "Scheduling and billing for hospitals, clinics and patients",
                "Courses, analytics and homework for schools, students and teachers",
            ]
        )
    )

    assert inferred == [("healthcare",), ("education",)]


def test_a_document_far_from_every_label_gets_none():
    model, _vectors = fitted(min_z=1.0)

    assert model.infer(encode(["Warehouse robots move pallets"])) == [()]


def test_an_empty_vocabulary_infers_nothing():
    model = fit_labels([], encode(TEXTS), [tokenize(t) for t in TEXTS], encode)

    assert model.infer(encode(["Healthcare for clinics"])) == [()]


def test_at_most_per_document_labels_closest_first():
    model, _vectors = fitted(min_z=-10.0, per_document=1)

    assert model.infer(encode(["Healthcare for clinics"])) == [("healthcare",)]


def test_examples_stand_in_for_documents_that_name_the_label():
    vectors = encode(TEXTS)
    model = fit_labels(
        ["Medicine"],
        vectors,
        [tokenize(t) for t in TEXTS],
        encode,
        LabelSettings(min_z=0.3),
        examples={"medicine": [0, 1, 2, 3]},
        names={"Medicine": "Medicine 医疗"},
    )

    assert model.infer(encode(["Scheduling and billing for hospitals, clinics and patients"])) == [("medicine",)]
    assert model.infer(encode(["Courses, analytics and homework for schools, students and teachers"])) == [()]


def test_a_label_reads_in_both_languages_through_the_glossary():
    name = bilingual_name("Internet of Things")

    assert name.startswith("internet of things, ")
    assert "iot" in name and "物联网" in name
    assert bilingual_name("Zzqx") == "zzqx"
