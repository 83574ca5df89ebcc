-- 11_omop_indices.sql -- the indices that phenotype queries and `duet store
-- info` need on the OMOP CDM tables.
--
-- Applied when a store is created.  `duet store import` drops the indices of
-- a table that is empty before the import and creates them again after the
-- rows are in (one sort instead of one B-tree update per row), inside the
-- same transaction.  Index names start with idx_ so that they are easy to
-- tell from SQLite's automatic primary-key indices.

-- person: sample-ID joins go through person_source_value.
CREATE INDEX idx_person_source_value ON person (person_source_value);

-- observation periods and visits: record length, visit counts, date ranges.
CREATE INDEX idx_observation_period_person ON observation_period (person_id);
CREATE INDEX idx_visit_occurrence_person ON visit_occurrence (person_id, visit_start_date);
CREATE INDEX idx_visit_detail_person ON visit_detail (person_id);

-- conditions: phecode mapping reads source codes; persons x codes x dates.
CREATE INDEX idx_condition_occurrence_person ON condition_occurrence (person_id);
CREATE INDEX idx_condition_occurrence_source_value ON condition_occurrence (condition_source_value);
CREATE INDEX idx_condition_occurrence_concept ON condition_occurrence (condition_concept_id);

-- measurements: quantitative traits are one concept set across persons.
CREATE INDEX idx_measurement_person_concept ON measurement (person_id, measurement_concept_id);
CREATE INDEX idx_measurement_concept ON measurement (measurement_concept_id);

-- observations: ICD codes recorded as observations are read like conditions.
CREATE INDEX idx_observation_person ON observation (person_id);
CREATE INDEX idx_observation_source_value ON observation (observation_source_value);
CREATE INDEX idx_observation_concept ON observation (observation_concept_id);

-- other person-level events.
CREATE INDEX idx_procedure_occurrence_person ON procedure_occurrence (person_id);
CREATE INDEX idx_drug_exposure_person ON drug_exposure (person_id);
CREATE INDEX idx_device_exposure_person ON device_exposure (person_id);
CREATE INDEX idx_death_person ON death (person_id);
CREATE INDEX idx_condition_era_person ON condition_era (person_id);
CREATE INDEX idx_drug_era_person ON drug_era (person_id);

-- vocabulary: a source concept's vocabulary, codes within a vocabulary.
CREATE INDEX idx_concept_vocabulary_code ON concept (vocabulary_id, concept_code);
CREATE INDEX idx_concept_relationship_1 ON concept_relationship (concept_id_1, relationship_id);
CREATE INDEX idx_concept_ancestor_ancestor ON concept_ancestor (ancestor_concept_id);
CREATE INDEX idx_concept_ancestor_descendant ON concept_ancestor (descendant_concept_id);
