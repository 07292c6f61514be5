import DistilleryCore

/// The golden set as calibration reads it: every judge score of a dataset (`row_scores`, the latest per row and
/// dimension) with the row's review (`row_reviews`) when a person reviewed it.
extension DatasetStore {
    /// Per dimension and rubric, in dimension order: each scored row's judge score and its review, if any.
    public func calibrationRows(datasetID: Int64) throws -> [(dimension: String, rubric: JudgeRubric, rows: [CalibrationRow])] {
        try database.read { connection in
            var groups: [(dimension: String, rubric: JudgeRubric, rows: [CalibrationRow])] = []
            for row in try connection.query(
                """
                SELECT s.dimension, s.rubric, s.score, r.verdict, r.rating
                FROM row_scores s LEFT JOIN row_reviews r ON r.dataset_id = s.dataset_id AND r.idx = s.idx
                WHERE s.dataset_id = ?
                ORDER BY s.dimension, s.rubric, s.idx
                """, .integer(datasetID))
            {
                guard let dimension = row.string("dimension"), let rubric = row.string("rubric").flatMap(JudgeRubric.init(rawValue:)),
                    let score = row.int("score")
                else { continue }
                let review = row.string("verdict").map { ReviewGrade(accepted: $0 == "accepted", rating: row.int("rating")) }
                let scored = CalibrationRow(judgeScore: score, review: review)
                if let last = groups.last, last.dimension == dimension, last.rubric == rubric {
                    groups[groups.count - 1].rows.append(scored)
                } else {
                    groups.append((dimension, rubric, [scored]))
                }
            }
            return groups
        }
    }
}
