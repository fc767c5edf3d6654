def test_it_lists_organisations_in_the_directory(personas, client):
    response = client.get("/enti/")
    assert response.status_code == 200
    assert "Comune di Lecco" in response.content.decode()
